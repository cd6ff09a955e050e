#pragma once
// Fencing for replicas that share one ledger (PostgreSQL). Each org is worked by one replica at a
// time, under a lease with a fencing token (sync/OrgLeases). A replica that was paused or cut off
// past its lease may wake still believing it holds the org; the fence makes that belief harmless:
// every ledger write for an org checks, inside its own transaction, that this replica still holds
// the org's lease with the token it was given, and the check locks the lease row until the commit,
// so a takeover (which bumps the token) waits for that write or makes it fail. The same check runs
// just before each request to ServiceNow.
//
// Work that spans many checks (a delivery: its reads, attempts, waits and outcome) is held to the
// lease it began under, not to whichever lease the replica holds by then: a replica that lost an
// org during a long wait (a Retry-After, a pause) and took it back with a new token must not finish
// work another replica may have done meanwhile.
#include <string>

#include "ledger/LeaseToken.h"
#include "ledger/LedgerError.h"

namespace evalbridge {

class Database;

// This replica does not hold the org's lease (any more): the write or request is refused.
class LeaseLost : public LedgerError {
 public:
  explicit LeaseLost(const std::string& what) : LedgerError(what) {}
};

class OrgFence {
 public:
  // A write may finish work already under way, including on an org this replica is handing over
  // (its lease is still valid until released); a request to ServiceNow is new work, which an org
  // being handed over does not get.
  enum class Purpose { Write, Request };
  virtual ~OrgFence() = default;
  // The token of the org's lease this replica holds now, or kNoLease.
  virtual LeaseToken current(const std::string& orgId) const = 0;
  // Throws LeaseLost unless this replica holds `orgId`'s lease, and, unless `begunUnder` is
  // kAnyLease, holds it still with that token. Called with `db`'s mutex held and, for writes,
  // inside the write's transaction.
  virtual void check(Database& db, const std::string& orgId, Purpose purpose, LeaseToken begunUnder) = 0;
};

}  // namespace evalbridge
