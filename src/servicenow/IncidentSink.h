#pragma once
// Delivers pending ledger records to ServiceNow, exactly once (SPEC section 5):
// - the intent is already committed (Ledger::observe) before anything is sent;
// - after any uncertain outcome (timeout, reset, 5xx, an unreadable answer), and before the first
//   POST of a record left pending by an earlier run, the incident is looked up by correlation_id
//   and adopted if found; two or more matches are reported (dead letter), never guessed;
// - 429 means "not processed": wait (Retry-After) and post again without a lookup;
// - permanent failures (400/403/404/422) go to the dead letter with ServiceNow's reason;
// - a 401 or a refused OAuth token refuses evalbridge, not the record (SPEC section 5 does not
//   list it as permanent): deliveries are held a while and their records stay pending;
// - transient failures that outlast the retry budget stay pending for the next cycle.
// Every outcome that names an incident records its sys_id, number, state and sys_mod_count.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/WorkerThreads.h"
#include "config/Config.h"
#include "ledger/LeaseToken.h"
#include "ledger/LedgerRecord.h"
#include "servicenow/AccessRefusal.h"
#include "servicenow/DeliveryClaims.h"

namespace evalbridge {

class Ledger;
class ServiceNowClient;
class ShutdownToken;

struct DeliveryCounts {
  int created = 0;
  int updated = 0;
  int adopted = 0;      // found by correlation_id after an uncertain outcome or a restart
  int dead = 0;
  int retries = 0;
  int leftPending = 0;  // retry budget used up; tried again next cycle
  int elsewhere = 0;    // delivered (or being delivered) by another path: the sweep or the push
  // For each incident created, updated or adopted: seconds from the evaluation's changedDate to
  // then (evalbridge_pickup_latency_seconds). Four bytes an incident, for one cycle's work.
  std::vector<float> pickupSeconds;
};

// Elsewhere: another delivery holds the record, or settled it since it was queued.
enum class DeliveryOutcome { Created, Updated, Adopted, Dead, LeftPending, Elsewhere };
// Adds one delivery's outcome to `counts` (not its pickup time, which each path measures).
void countOutcome(DeliveryCounts& counts, DeliveryOutcome outcome);
// This delivery put the record into an incident (created, updated or adopted it): what either
// path counts as delivered and times as its pickup.
inline bool namesIncident(DeliveryOutcome outcome) {
  return outcome == DeliveryOutcome::Created || outcome == DeliveryOutcome::Updated ||
         outcome == DeliveryOutcome::Adopted;
}

// When deliverOne returns with an incident named: its outcome committed to the ledger (Wait), or
// still joining the next group commit (Later: the record stays claimed, inFlight(), until it is;
// IncidentSink::flushOutcomes() waits for it). Later lets a worker start its next request instead
// of waiting for a commit that gathers other workers' outcomes.
enum class OutcomeCommit { Wait, Later };
// Set when a Later commit has failed: the incident this one delivery named is not in the ledger
// (its record stays pending). Read once IncidentSink::flushOutcomes() has returned.
using UnrecordedFlag = std::shared_ptr<std::atomic<bool>>;

class IncidentSink {
 public:
  IncidentSink(ServiceNowClient& client, Ledger& ledger, ShutdownToken& shutdown);

  // Delivers `records` with up to servicenow.maxConcurrency in flight and waits for all of them.
  // `verifyFirst` makes every create start with a correlation_id lookup (records that may have
  // been posted before). See DeliveryQueue for delivery that overlaps with reading the export.
  DeliveryCounts deliver(const std::vector<LedgerRecord>& records, bool verifyFirst);

  // Delivers one record (blocking, with retries); `retries` counts failed attempts. Never throws
  // for ServiceNow's answers; a ledger failure propagates. The record is claimed first and read
  // again from the ledger, so a record queued twice (by the sweep and the push path, or by two
  // windows) is delivered once: the second finds it claimed, or no longer pending.
  DeliveryOutcome deliverOne(const LedgerRecord& record, bool verifyFirst, std::atomic<int>& retries,
                             OutcomeCommit commit = OutcomeCommit::Wait, UnrecordedFlag unrecorded = nullptr);
  // Waits until every outcome a Later delivery left committing has been committed (or failed).
  void flushOutcomes();

  // True while a delivery of this record (LedgerRecord::key()) is under way in this process.
  bool inFlight(const std::string& key) const { return claims_.claimed(key); }
  // Whether a delivery for the org is under way here (a replica drains an org before releasing it).
  bool deliveringFor(const std::string& orgId) const { return claims_.anyWithPrefix(orgId + ":"); }

  // Why deliveries are held now: ServiceNow refused evalbridge's credentials within the last
  // kAccessRefusalHold (AccessRefusal.h). Every delivery meanwhile leaves its record pending unsent.
  std::optional<std::string> accessRefused() const { return refusal_.holding(); }

  int maxConcurrency() const;
  // The threads every DeliveryQueue of this sink delivers on.
  WorkerThreads& workers() { return workers_; }

 private:
  // How one delivery records an incident: its commit mode, its claim, which a Later commit keeps
  // until the write has ended, the caller's flag for a Later commit that fails (may be null), and
  // the lease it began under.
  struct Settle {
    OutcomeCommit commit;
    std::shared_ptr<DeliveryClaims::Claim> claim;
    UnrecordedFlag unrecorded;
    LeaseToken lease;  // the org's lease when the delivery began: every check and write is held to it
  };
  DeliveryOutcome create(const LedgerRecord& record, bool verifyFirst, std::atomic<int>& retries, const Settle& settle);
  DeliveryOutcome update(const LedgerRecord& record, std::atomic<int>& retries, const Settle& settle);
  // Looks the incident up by correlation_id: adopts one match, dead-letters several; returns
  // nothing when there is none (safe to post), or a transient verdict.
  struct Lookup;
  Lookup lookUp(const LedgerRecord& record, const Settle& settle);
  // The record names `incident` now (created, updated or adopted), which holds `sent`; `done` is
  // logged once recorded. The ledger compares `sent` with the record as it is then.
  void recordDelivered(const LedgerRecord& record, const IncidentRef& incident, const SentContent& sent,
                       const Settle& settle, const std::string& done);
  // An incident was created or found but the ledger could not record it: the record is still
  // pending with no failed attempt, so its next create must look first (mayBePosted).
  void rememberUnrecorded(const std::string& key);
  void forgetUnrecorded(const std::string& key);
  bool mayBePosted(const std::string& key) const;

  ServiceNowClient& client_;
  Ledger& ledger_;
  ShutdownToken& shutdown_;
  DeliveryClaims claims_;
  AccessRefusal refusal_;
  mutable std::mutex unrecordedMutex_;
  std::set<std::string> unrecorded_;
  // Outcome callbacks refer to the claims and unrecorded_: once the workers have joined (they may
  // still post), every outcome is committed before those go.
  struct FlushOutcomesAtEnd {
    Ledger& ledger;
    ~FlushOutcomesAtEnd();
  } flushAtEnd_{ledger_};
  // Every window of every org has a DeliveryQueue of its own; all of them post here. A pool per
  // queue started eight threads per window (1,300 thread starts for 100 orgs) while ServiceNow's
  // permits let only servicenow.maxConcurrency requests run anyway. Twice the permits, so requests
  // go on while some workers wait for the ledger's commit of an outcome.
  WorkerThreads workers_;  // last: built after client_ (its size reads it), joined first
};

// The work note for an update: what changed between the delivered fields and the new ones.
std::string describeChange(const LedgerRecord& record);

// Adds `more` into `total`.
void addDelivery(DeliveryCounts& total, const DeliveryCounts& more);

}  // namespace evalbridge
