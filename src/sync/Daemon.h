#pragma once
// `evalbridge run` without its HTTP server: one scheduler per org (its own interval, its own
// backoff, so a failing org never slows another), push pickup for the orgs that have it (the
// sweep stays the safety net), the incident state poll every
// sync.pullIntervalS, the write-back outbox, and the ledger's retention (once shortly after the
// start, then daily), each on its own PeriodicWorker. Everything stops
// on the ShutdownToken: waits end at once, in-flight work finishes or is abandoned safely (a
// pending ledger row is settled by a correlation_id lookup at the next start).
#include <chrono>
#include <memory>
#include <vector>

#include "config/Config.h"
#include "ledger/IncidentStateStore.h"
#include "sync/DataTableWriteBack.h"
#include "sync/IncidentStatePuller.h"
#include "sync/SyncEngine.h"
#include "sync/SyncStatusBoard.h"

namespace evalbridge {

class Metrics;
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

 private:
  std::chrono::milliseconds runOrgCycle(const OrgSettings& org);
  std::chrono::milliseconds runPoll();
  std::chrono::milliseconds runWriteBack();
  std::chrono::milliseconds runRetention();

  const Config& config_;
  ShutdownToken& shutdown_;
  Metrics& metrics_;
  SyncEngine engine_;
  IncidentStateStore states_;
  SyncStatusBoard board_;
  DataTableWriteBack writeBack_;
  IncidentStatePuller puller_;
  std::unique_ptr<PushPickup> push_;
  std::vector<std::unique_ptr<PeriodicWorker>> workers_;
  PeriodicWorker* writeBackWorker_ = nullptr;
  bool retentionDue_ = false;  // the first run of the retention worker only waits
};

}  // namespace evalbridge
