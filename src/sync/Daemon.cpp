#include "sync/Daemon.h"

#include <Poco/Logger.h>

#include "common/LogEvent.h"
#include "http/ShutdownToken.h"
#include "ledger/IncidentStates.h"
#include "ledger/Retention.h"
#include "servicenow/ServiceNowClient.h"
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
}

Daemon::~Daemon() {
  // Workers reference the members above, so they end first; a daemon going away stops its work.
  shutdown_.requestStop();
  push_->stop();
  workers_.clear();
}

void Daemon::start() {
  for (const auto& org : config_.orgs)
    workers_.push_back(std::make_unique<PeriodicWorker>("sync " + org.name, shutdown_,
                                                        [this, &org] { return runOrgCycle(org); }));
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
  return all;
}

void Daemon::stateChanged() {
  if (writeBackWorker_ != nullptr) writeBackWorker_->kick();
}

std::chrono::milliseconds Daemon::runOrgCycle(const OrgSettings& org) {
  const int intervalS = org.intervalS.value_or(config_.sync.intervalS);
  std::vector<OrgSyncReport> reports;
  try {
    reports = engine_.syncOnce(org.name, {});
  } catch (const std::exception& e) {
    OrgSyncReport failed;
    failed.orgName = org.name;
    failed.orgId = org.orgId;
    failed.ok = false;
    failed.error = e.what();
    if (auto* poco = dynamic_cast<const Poco::Exception*>(&e)) failed.error = poco->message();
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
    std::string error = e.what();
    if (auto* poco = dynamic_cast<const Poco::Exception*>(&e)) error = poco->message();
    logEvent(logger(), Poco::Message::PRIO_WARNING, "ledger prune failed (tried again in 1 h): " + error,
             {{"event", "prune-failed"}});
    return kPruneRetry;
  }
}

}  // namespace evalbridge
