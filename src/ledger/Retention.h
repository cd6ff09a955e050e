#pragma once
// Applies the ledger's retention (ledger.retention): deletes skipped records, records whose
// incident is final, and history rows once they are old enough (see RetentionPolicy.h). Pending
// and dead records are never touched; checkpoints and poll cursors are kept.
//
// A pruned record that had an incident (or whose create may have landed) leaves a tombstone in
// pruned_records; Ledger::observe restores it if the evaluation is exported again, so pruning
// can never lead to a second incident (db/003_retention.sql).
//
// Deletion runs in batches of at most `batchRows` rows per transaction, with a pause between
// them, so a large prune never holds the write lock for long: the daemon's deliveries and a
// `run` next to a `ledger prune` keep going.
#include <functional>
#include <map>
#include <string>

#include <Poco/Timestamp.h>

#include "ledger/RetentionPolicy.h"

namespace evalbridge {

class Database;

struct PruneCounts {
  long long skipped = 0;  // skipped records
  long long closed = 0;   // records whose incident is resolved, closed or canceled
  long long history = 0;  // history rows (of those records, and old ones of other records)
  long long records() const { return skipped + closed; }
  bool empty() const { return skipped == 0 && closed == 0 && history == 0; }
};

struct PruneReport {
  std::map<std::string, PruneCounts> byOrg;  // orgId -> what was (or would be) removed
  bool dryRun = false;
  bool interrupted = false;  // keepGoing said stop between two batches
  int batches = 0;           // transactions committed
  PruneCounts total() const;
};

struct RetentionLimits {
  int batchRows = 5000;  // rows deleted per transaction (a record's history may add a few)
  int pauseMs = 20;      // between batches: lets a waiting writer (the daemon's deliveries) in
};

class Retention {
 public:
  Retention(Database& db, const RetentionPolicy& policy, RetentionLimits limits = {});

  // What prune(now) would remove, counted with the same conditions, without removing anything.
  PruneReport measure(const Poco::Timestamp& now) const;
  // Removes it. `keepGoing` is asked before each batch (e.g. not when shutting down).
  PruneReport prune(const Poco::Timestamp& now, const std::function<bool()>& keepGoing = {});

  // The SQL list of ServiceNow states that count as final (resolved, closed, canceled), the same
  // as isFinalIncidentState(); exposed so a test keeps the two in step.
  static const char* finalStatesSql();

 private:
  struct Cutoffs;
  Cutoffs cutoffs(const Poco::Timestamp& now) const;
  // One kind of record (skipped or closed), batch by batch; returns false when interrupted.
  bool pruneRecords(const std::string& where, const std::string& cutoff, bool closed, PruneReport& report,
                    const std::function<bool()>& keepGoing);
  // Lean skipped rows (SkippedRecords), batch by batch.
  bool pruneLeanSkipped(const std::string& cutoff, PruneReport& report, const std::function<bool()>& keepGoing);
  bool pruneOldHistory(const std::string& cutoff, PruneReport& report, const std::function<bool()>& keepGoing);
  bool nextBatch(PruneReport& report, const std::function<bool()>& keepGoing);

  Database& db_;
  RetentionPolicy policy_;
  RetentionLimits limits_;
};

// "2 skipped record(s), 1 record(s) with a final incident, 9 history row(s)" (logs, the CLI).
std::string describe(const PruneCounts& counts);

// "P30D", "PT12H", "P1DT2H30M", "PT0S": how durations are written in the configuration.
std::string formatIsoDuration(long long seconds);

}  // namespace evalbridge
