#pragma once
// Push pickup (SPEC section 6, "Push"): for every org with "notifications": true, a
// NotificationChannel whose hints go into one bounded queue, read by a few workers shared by all
// orgs (an org costs its channel thread, not a pool). A worker reads the evaluation with the
// evaluation GET (with expand), maps it and records it in the ledger exactly as the sweep does
// (observationOf, Ledger::observe), and delivers through the engine's one IncidentSink, whose
// claims keep the sweep and the push from delivering one record twice. A hint that cannot be
// handled (queue full, the GET failing) costs latency only: the next sweep finds the evaluation.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <Poco/JSON/Object.h>

#include "genesys/EvaluationHint.h"
#include "genesys/NotificationChannel.h"
#include "ledger/Ledger.h"
#include "sync/OrgSync.h"

namespace evalbridge {

class Metrics;
class ShutdownToken;
class SyncEngine;
struct Config;
struct OrgSettings;

// What the push path did for one org, since the start. Each value is read on its own.
struct PushCounts {
  std::uint64_t received = 0;   // hints from the channel
  std::uint64_t dropped = 0;    // not queued: the queue was full (the sweep picks them up)
  std::uint64_t fetched = 0;    // evaluations read with the GET
  std::uint64_t gone = 0;       // the GET answered 404
  std::uint64_t failed = 0;     // the GET or the ledger failed (logged; the sweep retries)
  std::uint64_t delivered = 0;  // incidents created, updated or adopted by the push path
  std::uint64_t skipped = 0;    // recorded as not matching the mapping
  std::uint64_t unchanged = 0;  // already in the ledger as it is (the sweep was first, or a repeat)
};

struct OrgPushStatus {
  std::string orgName;
  ChannelState state = ChannelState::Stopped;
  std::string detail;
  NotificationCounters channel;
  PushCounts counts;
};

class PushPickup {
 public:
  // Called on the org's channel thread whenever its state changes.
  using StateObserver = std::function<void(const std::string& orgName, ChannelState state, const std::string& detail)>;

  // `engine`, `shutdown` and `metrics` (may be null) must outlive this object.
  PushPickup(SyncEngine& engine, const Config& config, ShutdownToken& shutdown, Metrics* metrics,
             StateObserver onState = {}, NotificationChannelSettings channelSettings = {});
  ~PushPickup();  // stop()

  bool enabled() const { return !orgs_.empty(); }
  void start();
  void stop();
  std::vector<OrgPushStatus> status() const;

  // Replicas: hints are handled only for the orgs this replica holds (the holder gets the same
  // hint on its own channel). Set before start(); without it every org's hints are handled.
  void handleOnlyWhen(std::function<bool(const std::string& orgId)> holds) { holds_ = std::move(holds); }

  // Test hook: called after each hint was handled (on a worker thread).
  void onHandled(std::function<void(const std::string& orgName, const EvaluationHint&)> hook) { handled_ = std::move(hook); }

 private:
  struct Org;
  struct Item {
    Org* org;
    EvaluationHint hint;
  };
  void enqueue(Org& org, const EvaluationHint& hint);
  void work();
  void handle(Org& org, const EvaluationHint& hint);
  void deliver(Org& org, const Poco::JSON::Object& evaluation, const Observation& observation, bool mayBePosted,
               OrgSyncReport& tally);

  SyncEngine& engine_;
  ShutdownToken& shutdown_;
  Metrics* metrics_;
  StateObserver onState_;
  std::vector<std::unique_ptr<Org>> orgs_;
  std::function<void(const std::string&, const EvaluationHint&)> handled_;
  std::function<bool(const std::string&)> holds_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> queue_;
  std::size_t maxQueue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  int workerCount_;
};

}  // namespace evalbridge
