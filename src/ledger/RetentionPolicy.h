#pragma once
// How long the ledger keeps what it no longer needs (`ledger.retention`, SPEC section 3). Read by
// the configuration, applied by Retention (`ledger prune` and the daily prune of `run`).
// Pending and dead records are never pruned, whatever these say: they are work still to do.

namespace evalbridge {

struct RetentionPolicy {
  // "skipped": a record the mapping did not match, unchanged for this long, is deleted.
  long long skippedS = 30LL * 86400;
  // "closed": a record whose incident is resolved, closed or canceled, unchanged for this long,
  // is deleted (a tombstone keeps its incident so it is never created again).
  long long closedS = 180LL * 86400;
  // "history": history rows older than this are deleted (those of pending and dead records are
  // kept whole: someone still has to act on them).
  long long historyS = 90LL * 86400;
};

}  // namespace evalbridge
