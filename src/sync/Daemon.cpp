#include "sync/Daemon.h"

#include <Poco/Logger.h>

#include "common/Errors.h"
#include "common/LogEvent.h"
#include "http/ShutdownToken.h"
#include "ledger/Database.h"
#include "ledger/IncidentStates.h"
#include "ledger/Retention.h"
#include "servicenow/ServiceNowClient.h"
#include "sync/OrgLeases.h"
#include "sync/PeriodicWorker.h"
#include "sync/PushPickup.h"
#include "sync/SyncMetrics.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.daemon"); }

std::chrono::milliseconds seconds(int s) { return std::chrono::milliseconds(static_cast<long long>(s) * 1000); }

// The first prune comes shortly after the start (not at once: the org cycles start first, and
// a restart should not wait behind a prune), then one a day. A failed prune is tried again
// sooner; nothing is lost by waiting, the ledger only stays larger a little longer.
constexpr std::chrono::seconds kFirstPruneDelay{5};
constexpr std::chrono::hours kPruneInterval{24};
constexpr std::chrono::hours kPruneRetry{1};

}  // namespace

Daemon::Daemon(const Config& config, ShutdownToken& shutdown, Metrics& metrics)
    : config_(config),
      shutdown_(shutdown),
      metrics_(metrics),
      engine_(config, shutdown),
      states_(engine_.ledger()),
      writeBack_(config, states_, shutdown, &metrics,
                 [this](const OrgSettings& org) -> OrgClient& { return engine_.orgClient(org.name); }),
      puller_(engine_.serviceNow(), states_, shutdown, 200,
              [this](const IncidentStateUpdate& update, const StateResult& result) {
                recordStateUpdate(metrics_, "poll", result);
                if (result.outcome != StateOutcome::Applied) return;
                logEvent(logger(), Poco::Message::PRIO_INFORMATION, "incident state from poll: " + result.detail,
                         {{"org", result.orgName}, {"evaluationId", result.evaluationId}, {"incident", update.number},
                          {"state", incidentStateName(update.state)}, {"source", "poll"}});
              }) {
  for (const auto& org : config.orgs) board_.expect(org.name, org.orgId);
  push_ = std::make_unique<PushPickup>(engine_, config, shutdown, &metrics,
                                       [this](const std::string& org, ChannelState state, const std::string& detail) {
                                         const bool off = state == ChannelState::Stopped || state == ChannelState::Disabled;
                                         board_.recordPush(org, off ? "off" : channelStateName(state),
                                                           state == ChannelState::Connected ? "" : detail);
                                       });
  if (engine_.ledger().database().backend() == LedgerBackend::Postgres) {
    std::vector<std::string> orgIds;
    for (const auto& org : config.orgs) orgIds.push_back(org.orgId);
    leases_ = std::make_unique<OrgLeases>(engine_.ledger().database(), orgIds,
                                          config.replicaId.empty() ? defaultReplicaId() : config.replicaId,
                                          config.leaseTtlS, [this](const std::string& orgId) { return busyWith(orgId); });
    engine_.ledger().setFence(leases_.get());
    // From zero, so that Prometheus's increase() sees the first change (the lease-churn alert).
    for (const auto& org : config.orgs)
      for (const char* change : {"acquired", "lost", "released"})
        metrics_.increment("evalbridge_lease_changes_total", {{"org", org.name}, {"change", change}}, 0);
    const auto holds = [this](const std::string& orgId) { return worksOn(orgId); };
    push_->handleOnlyWhen(holds);
    writeBack_.writeOnlyWhen(holds);
  }
}

bool Daemon::worksOn(const std::string& orgId) const { return !leases_ || leases_->holds(orgId); }

bool Daemon::busyWith(const std::string& orgId) {
  {
    std::lock_guard<std::mutex> lock(cyclesMutex_);
    if (cyclesRunning_.count(orgId)) return true;
  }
  return engine_.sink().deliveringFor(orgId);
}

Daemon::~Daemon() {
  // Workers reference the members above, so they end first; a daemon going away stops its work.
  shutdown_.requestStop();
  push_->stop();
  workers_.clear();
  flushSkips();  // while the leases (the ledger's fence) still exist
}

void Daemon::flushSkips() {
  try {
    engine_.ledger().flushSkips();
  } catch (const std::exception& e) {
    // Nothing is lost: no checkpoint passed them, so their windows are read again.
    logger().warning("buffered skips not written at shutdown: %s", errorText(e));
  }
}

void Daemon::start() {
  if (leases_) {
    // Leases first, so the org workers start with this replica's share already held.
    runLeases();
    workers_.push_back(std::make_unique<PeriodicWorker>("leases", shutdown_, [this] { return runLeases(); }));
  }
  for (const auto& org : config_.orgs) {
    workers_.push_back(std::make_unique<PeriodicWorker>("sync " + org.name, shutdown_,
                                                        [this, &org] { return runOrgCycle(org); }));
    orgWorkers_[org.orgId] = workers_.back().get();
  }
  workers_.push_back(std::make_unique<PeriodicWorker>("incident state poll", shutdown_, [this] { return runPoll(); }));
  if (writeBack_.enabled()) {
    workers_.push_back(std::make_unique<PeriodicWorker>("write-back", shutdown_, [this] { return runWriteBack(); }));
    writeBackWorker_ = workers_.back().get();
  }
  workers_.push_back(std::make_unique<PeriodicWorker>("ledger retention", shutdown_, [this] { return runRetention(); }));
  for (auto& worker : workers_) worker->start();
  push_->start();
  std::size_t pushed = 0;
  for (const auto& org : config_.orgs) pushed += org.notifications ? 1 : 0;
  logger().information("started: %z org(s), sync every %ds (org overrides apply), push for %z org(s), state poll every "
                       "%ds%s",
                       config_.orgs.size(), config_.sync.intervalS, pushed, config_.sync.pullIntervalS,
                       std::string(writeBack_.enabled() ? ", write-back on" : ""));
}

bool Daemon::waitStopped(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  push_->stop();  // its channels end on the stop request; a hint being handled finishes or stays pending
  bool all = true;
  for (auto& worker : workers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!worker->waitFinished(left)) {
      logger().warning("%s: still busy at the shutdown deadline", worker->name());
      all = false;
    }
  }
  // Nothing runs any more: the other replicas may take this one's orgs at once. (Work still busy
  // at the deadline keeps its leases; they lapse after the TTL.) Skips still buffered are
  // written first, while this replica holds their orgs.
  if (all) flushSkips();
  if (leases_ && all) {
    try {
      leases_->releaseAll();
    } catch (const std::exception& e) {
      logger().warning("leases not released at shutdown (they lapse after %d s): %s", config_.leaseTtlS,
                       errorText(e));
    }
  }
  return all;
}

void Daemon::stateChanged() {
  if (writeBackWorker_ != nullptr) writeBackWorker_->kick();
}

std::chrono::milliseconds Daemon::runOrgCycle(const OrgSettings& org) {
  const int intervalS = org.intervalS.value_or(config_.sync.intervalS);
  if (!worksOn(org.orgId)) {
    board_.recordHeld(org.name, false);
    return leases_->renewInterval();  // and kicked when the lease comes here
  }
  board_.recordHeld(org.name, true);
  struct Running {
    Daemon& daemon;
    const std::string& orgId;
    Running(Daemon& d, const std::string& id) : daemon(d), orgId(id) {
      std::lock_guard<std::mutex> lock(daemon.cyclesMutex_);
      daemon.cyclesRunning_.insert(orgId);
    }
    ~Running() {
      std::lock_guard<std::mutex> lock(daemon.cyclesMutex_);
      daemon.cyclesRunning_.erase(orgId);
    }
  } running(*this, org.orgId);
  std::vector<OrgSyncReport> reports;
  try {
    reports = engine_.syncOnce(org.name, {});
  } catch (const std::exception& e) {
    OrgSyncReport failed;
    failed.orgName = org.name;
    failed.orgId = org.orgId;
    failed.ok = false;
    failed.error = errorText(e);
    reports.push_back(failed);
  }
  for (const auto& report : reports) {
    // A cycle cut short by the shutdown is not the org's failure (nothing is lost: see ledger).
    if (!report.ok && shutdown_.stopRequested()) continue;
    board_.record(report);
    recordCycle(metrics_, report);
    const LogFields fields = {{"org", report.orgName}, {"event", report.ok ? "cycle-ok" : "cycle-failed"}};
    if (report.ok) {
      logEvent(logger(), Poco::Message::PRIO_INFORMATION,
               "cycle ok: exported " + std::to_string(report.exported) + ", mapped " + std::to_string(report.matched) +
                   ", skipped " + std::to_string(report.skipped) + ", created " +
                   std::to_string(report.delivery.created) + ", updated " + std::to_string(report.delivery.updated) +
                   ", dead " + std::to_string(report.delivery.dead + report.malformed) + ", pending " +
                   std::to_string(report.delivery.leftPending),
               fields);
    } else {
      const int failures = board_.status(org.name).consecutiveFailures;
      logEvent(logger(), Poco::Message::PRIO_WARNING,
               "cycle failed (" + std::to_string(failures) + " in a row; next try in " +
                   std::to_string(nextCycleDelay(intervalS, failures).count() / 1000) + " s): " + report.error,
               fields);
    }
  }
  stateChanged();  // new incidents: their numbers go to the data table
  return nextCycleDelay(intervalS, board_.status(org.name).consecutiveFailures);
}

std::chrono::milliseconds Daemon::runPoll() {
  PullReport report = puller_.pullOnce();
  if (!report.ok && !shutdown_.stopRequested())
    logEvent(logger(), Poco::Message::PRIO_WARNING,
             "incident state poll failed (tried again in " + std::to_string(config_.sync.pullIntervalS) +
                 " s): " + report.error,
             {{"event", "poll-failed"}});
  else if (report.applied > 0)
    logger().information("incident state poll: %d read, %d changed", report.read, report.applied);
  if (report.applied > 0) stateChanged();
  return seconds(config_.sync.pullIntervalS);
}

std::chrono::milliseconds Daemon::runWriteBack() {
  writeBack_.runOnce();
  return seconds(config_.sync.pullIntervalS);
}

std::chrono::milliseconds Daemon::runRetention() {
  if (!retentionDue_) {
    retentionDue_ = true;
    return kFirstPruneDelay;
  }
  if (leases_ && !leases_->leader()) return kPruneRetry;  // one replica prunes the shared ledger
  try {
    Retention retention(engine_.ledger().database(), config_.retention);
    const PruneReport report = retention.prune(Poco::Timestamp(), [this] { return !shutdown_.stopRequested(); });
    std::string perOrg;
    for (const auto& [orgId, counts] : report.byOrg)
      perOrg += (perOrg.empty() ? "" : "; ") + orgId + ": " + describe(counts);
    logEvent(logger(), Poco::Message::PRIO_INFORMATION,
             std::string(report.interrupted ? "ledger prune (cut short by the shutdown): removed "
                                            : "ledger prune: removed ") +
                 describe(report.total()) + (perOrg.empty() ? "" : " (" + perOrg + ")") + "; next in 24 h",
             {{"event", "prune"}});
    return kPruneInterval;
  } catch (const std::exception& e) {
    const std::string error = errorText(e);
    logEvent(logger(), Poco::Message::PRIO_WARNING, "ledger prune failed (tried again in 1 h): " + error,
             {{"event", "prune-failed"}});
    return kPruneRetry;
  }
}

std::chrono::milliseconds Daemon::runLeases() {
  try {
    for (const LeaseChange& change : leases_->tick()) {
      const OrgSettings* org = nullptr;
      for (const auto& candidate : config_.orgs)
        if (candidate.orgId == change.orgId) org = &candidate;
      if (org == nullptr) continue;
      recordLeaseChange(metrics_, org->name, toString(change.kind));
      logEvent(logger(), Poco::Message::PRIO_INFORMATION,
               std::string("lease ") + toString(change.kind) + " (token " + std::to_string(change.token) + ")",
               {{"org", org->name}, {"event", std::string("lease-") + toString(change.kind)},
                {"replica", leases_->replicaId()}});
      board_.recordHeld(org->name, leases_->holds(org->orgId));
      // Whichever way the lease changed, another replica may have worked the org meanwhile: the
      // sweep under way ends, and the next one settles what is pending first (Ledger.h).
      engine_.ledger().leaseChanged(org->orgId);
      auto worker = orgWorkers_.find(org->orgId);
      if (change.kind == LeaseChange::Kind::Acquired && worker != orgWorkers_.end()) worker->second->kick();
    }
  } catch (const std::exception& e) {
    const std::string error = errorText(e);
    logEvent(logger(), Poco::Message::PRIO_WARNING,
             "lease renewal failed (leases lapse after " + std::to_string(config_.leaseTtlS) + " s): " + error,
             {{"event", "lease-failed"}});
  }
  for (const auto& org : config_.orgs)
    metrics_.set("evalbridge_lease_held", {{"org", org.name}}, leases_->holds(org.orgId) ? 1 : 0);
  metrics_.set("evalbridge_live_replicas", {}, leases_->liveReplicas());
  return leases_->renewInterval();
}

}  // namespace evalbridge
