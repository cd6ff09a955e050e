#include "sync/PushPickup.h"

#include <algorithm>
#include <system_error>

#include <Poco/Logger.h>

#include "common/IsoTime.h"
#include "common/LogEvent.h"
#include "common/Metrics.h"
#include "common/WorkerThreads.h"
#include "config/Config.h"
#include "genesys/EvaluationFetcher.h"
#include "genesys/OrgClient.h"
#include "http/ShutdownToken.h"
#include "ledger/Ledger.h"
#include "servicenow/IncidentSink.h"
#include "sync/OrgSync.h"
#include "sync/SyncEngine.h"
#include "sync/SyncMetrics.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.push"); }

// Hints waiting for a worker, across all orgs. Beyond this a hint is dropped (counted): the
// sweep finds the evaluation, so memory stays bounded whatever a burst of events brings.
constexpr std::size_t kMaxQueuedHints = 10000;

}  // namespace

struct PushPickup::Org {
  const OrgSettings& settings;
  OrgClient& client;
  const Mapping& mapping;
  std::shared_ptr<const ProjectionPaths> projection;
  std::unique_ptr<NotificationChannel> channel;
  std::atomic<std::uint64_t> received{0}, dropped{0}, fetched{0}, gone{0}, failed{0}, delivered{0}, skipped{0},
      unchanged{0};

  Org(const OrgSettings& org, OrgClient& orgClient, const Mapping& orgMapping,
      std::shared_ptr<const ProjectionPaths> orgProjection)
      : settings(org), client(orgClient), mapping(orgMapping), projection(std::move(orgProjection)) {}
};

PushPickup::PushPickup(SyncEngine& engine, const Config& config, ShutdownToken& shutdown, Metrics* metrics,
                       StateObserver onState, NotificationChannelSettings channelSettings)
    : engine_(engine),
      shutdown_(shutdown),
      metrics_(metrics),
      onState_(std::move(onState)),
      maxQueue_(kMaxQueuedHints),
      // As many as ServiceNow takes at once: each worker spends most of its time waiting for it.
      workerCount_(std::max(1, config.servicenow.maxConcurrency)) {
  for (const OrgSettings& settings : config.orgs) {
    if (!settings.notifications) continue;
    auto org = std::make_unique<Org>(settings, engine.orgClient(settings.name), engine.mapping(settings.name),
                                     engine.projection(settings.name));
    Org* raw = org.get();
    org->channel = std::make_unique<NotificationChannel>(
        org->client, channelSettings, shutdown, [this, raw](const EvaluationHint& hint) { enqueue(*raw, hint); },
        [this, raw](ChannelState state, const std::string& detail) {
          if (onState_) onState_(raw->settings.name, state, detail);  // the channel logs it itself
        });
    orgs_.push_back(std::move(org));
  }
}

PushPickup::~PushPickup() { stop(); }

void PushPickup::start() {
  if (orgs_.empty() || !workers_.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
  }
  for (int i = 0; i < workerCount_; ++i) {
    try {
      workers_.emplace_back([this] { work(); });
    } catch (const std::system_error& e) {
      // Fewer workers only queue the hints longer; with none, nothing would take them.
      logger().warning("%s: %z of %d push workers%s; %s", refusedThreadText(e), workers_.size(), workerCount_,
                       std::string(workers_.empty() ? ", so push is off and the sweep alone carries every org" : ""),
                       std::string(kThreadLimitAdvice));
      if (workers_.empty()) return;
      break;
    }
  }
  for (auto& org : orgs_) org->channel->start();
}

void PushPickup::stop() {
  for (auto& org : orgs_) org->channel->stop();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();  // not lost: the sweep finds them (notifications are hints, never the record)
  }
  changed_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void PushPickup::enqueue(Org& org, const EvaluationHint& hint) {
  ++org.received;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_ && queue_.size() < maxQueue_) {
      queue_.push_back(Item{&org, hint});
      changed_.notify_one();
      return;
    }
  }
  ++org.dropped;
}

void PushPickup::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    handle(*item.org, item.hint);
    if (handled_) handled_(item.org->settings.name, item.hint);
    lock.lock();
  }
}

void PushPickup::handle(Org& org, const EvaluationHint& hint) {
  const OrgSettings& settings = org.settings;
  if (holds_ && !holds_(settings.orgId)) return;
  const LogFields fields = {{"org", settings.name}, {"evaluationId", hint.evaluationId}, {"source", "push"}};
  // What this hint amounted to, in the sweep's terms, for the per-org counters of /metrics.
  OrgSyncReport tally;
  tally.orgName = settings.name;
  tally.orgId = settings.orgId;
  try {
    // Read as the sweep reads it: cut down to the paths the sync uses, with the text as received.
    EvaluationFetcher fetcher(org.client, 1, org.projection);
    const auto evaluation = fetcher.fetchEach({EvaluationRef{hint.conversationId, hint.evaluationId, ""}})[0];
    if (!evaluation) {
      ++org.gone;
      return;
    }
    ++org.fetched;
    ++tally.exported;
    Observation observation = observationOf(settings.orgId, settings.name, org.mapping, evaluation);
    Ledger& ledger = engine_.ledger();
    // A record that was pending before this hint may have been posted already (a crash, an
    // uncertain answer): its delivery looks it up first. A fresh intent is posted at once.
    const auto before = ledger.find(settings.orgId, observation.evaluationId);
    const bool mayBePosted = before && before->status == RecordStatus::Pending;
    const Decision decision = ledger.observe({observation})[0];
    switch (decision) {
      case Decision::Create:
      case Decision::Update: ++tally.matched; break;
      case Decision::Skip: ++org.skipped; ++tally.skipped; break;
      case Decision::Dead: ++tally.malformed; break;
      default: ++org.unchanged; break;
    }
    if (decision == Decision::Create || decision == Decision::Update) deliver(org, *evaluation, observation, mayBePosted, tally);
  } catch (const Poco::Exception& e) {
    ++org.failed;
    if (!shutdown_.stopRequested())
      logEvent(logger(), Poco::Message::PRIO_WARNING,
               "push: evaluation " + hint.evaluationId + " not handled (the next sweep will): " + e.message(), fields);
  } catch (const std::exception& e) {
    ++org.failed;
    logEvent(logger(), Poco::Message::PRIO_WARNING,
             "push: evaluation " + hint.evaluationId + " not handled (the next sweep will): " + e.what(), fields);
  }
  if (metrics_ != nullptr) recordPickedUp(*metrics_, tally, "push");
}

void PushPickup::deliver(Org& org, const Poco::JSON::Object& evaluation, const Observation& observation,
                         bool mayBePosted, OrgSyncReport& tally) {
  const OrgSettings& settings = org.settings;
  const auto record = engine_.ledger().find(settings.orgId, observation.evaluationId);
  if (!record) return;
  std::atomic<int> retries{0};
  const DeliveryOutcome outcome = engine_.sink().deliverOne(*record, mayBePosted, retries);
  tally.delivery.retries += retries;
  if (outcome == DeliveryOutcome::Elsewhere) {  // the sweep has it
    ++org.unchanged;
    return;
  }
  countOutcome(tally.delivery, outcome);
  if (!namesIncident(outcome)) return;
  ++org.delivered;
  // From the evaluation's own changedDate (milliseconds; the ledger keeps seconds).
  if (const auto seconds = secondsSince(evaluation.optValue<std::string>("changedDate", "")))
    tally.delivery.pickupSeconds.push_back(static_cast<float>(*seconds));
  logEvent(logger(), Poco::Message::PRIO_INFORMATION,
           std::string("push: ") + (outcome == DeliveryOutcome::Updated ? "updated " : "delivered ") + record->key(),
           {{"org", settings.name}, {"evaluationId", observation.evaluationId}, {"source", "push"}});
}

std::vector<OrgPushStatus> PushPickup::status() const {
  std::vector<OrgPushStatus> all;
  for (const auto& org : orgs_) {
    OrgPushStatus status;
    status.orgName = org->settings.name;
    status.state = org->channel->state();
    status.detail = org->channel->stateDetail();
    status.channel = org->channel->counters();
    status.counts = PushCounts{org->received, org->dropped, org->fetched, org->gone,
                               org->failed,   org->delivered, org->skipped, org->unchanged};
    all.push_back(std::move(status));
  }
  return all;
}

}  // namespace evalbridge
