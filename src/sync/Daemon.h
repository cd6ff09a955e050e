#pragma once
// `evalbridge run` without its HTTP server: one scheduler per org (its own interval, its own
// backoff, so a failing org never slows another), push pickup for the orgs that have it (the
// sweep stays the safety net), the incident state poll every
// sync.pullIntervalS, the write-back outbox, and the ledger's retention (once shortly after the
// start, then daily), each on its own PeriodicWorker. Everything stops
// on the ShutdownToken: waits end at once, in-flight work finishes or is abandoned safely (a
// pending ledger row is settled by a correlation_id lookup at the next start).
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "config/Config.h"
#include "ledger/IncidentStateStore.h"
#include "sync/DataTableWriteBack.h"
#include "sync/IncidentStatePuller.h"
#include "sync/SyncEngine.h"
#include "sync/SyncStatusBoard.h"

namespace evalbridge {

class Metrics;
class OrgLeases;
class PeriodicWorker;
class PushPickup;
class ShutdownToken;

class Daemon {
 public:
  Daemon(const Config& config, ShutdownToken& shutdown, Metrics& metrics);
  ~Daemon();  // joins the workers (call after a stop request)

  void start();
  // After a stop request: waits for every worker to end, up to `timeout`.
  bool waitStopped(std::chrono::milliseconds timeout);

  Ledger& ledger() { return engine_.ledger(); }
  IncidentStateStore& states() { return states_; }
  const SyncStatusBoard& status() const { return board_; }
  // Push pickup for the orgs with "notifications": true (none: enabled() is false).
  const PushPickup& push() const { return *push_; }
  // An incident state changed outside the poll (the webhook): write back now, not at the next tick.
  void stateChanged();
  // Replicas on a PostgreSQL ledger: this replica's org leases (nullptr with SQLite).
  const OrgLeases* leases() const { return leases_.get(); }

 private:
  std::chrono::milliseconds runOrgCycle(const OrgSettings& org);
  std::chrono::milliseconds runPoll();
  std::chrono::milliseconds runWriteBack();
  std::chrono::milliseconds runRetention();
  std::chrono::milliseconds runLeases();
  // Whether this replica works the org now (always, without leases).
  bool worksOn(const std::string& orgId) const;
  bool busyWith(const std::string& orgId);
  void flushSkips();  // the ledger's buffered skips, logged on failure

  const Config& config_;
  ShutdownToken& shutdown_;
  Metrics& metrics_;
  SyncEngine engine_;
  IncidentStateStore states_;
  SyncStatusBoard board_;
  DataTableWriteBack writeBack_;
  IncidentStatePuller puller_;
  std::unique_ptr<PushPickup> push_;
  std::unique_ptr<OrgLeases> leases_;  // a PostgreSQL ledger may be shared: orgs are split by leases
  std::vector<std::unique_ptr<PeriodicWorker>> workers_;
  std::map<std::string, PeriodicWorker*> orgWorkers_;  // by org id: kicked when its lease is acquired
  std::mutex cyclesMutex_;
  std::set<std::string> cyclesRunning_;  // org ids whose cycle runs now (a lease is released only after)
  PeriodicWorker* writeBackWorker_ = nullptr;
  bool retentionDue_ = false;  // the first run of the retention worker only waits
};

}  // namespace evalbridge
