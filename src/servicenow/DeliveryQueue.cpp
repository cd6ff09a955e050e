#include "servicenow/DeliveryQueue.h"

#include <algorithm>
#include <optional>

#include <Poco/Exception.h>
#include <Poco/Logger.h>

#include "common/IsoTime.h"

namespace evalbridge {

DeliveryQueue::DeliveryQueue(IncidentSink& sink, std::size_t maxBacklog)
    : sink_(sink),
      maxBacklog_(maxBacklog > 0 ? maxBacklog : static_cast<std::size_t>(std::max(1000, 16 * sink.maxConcurrency()))) {}

// The workers hold pointers to this queue until its records are settled.
DeliveryQueue::~DeliveryQueue() { drain(); }

void DeliveryQueue::submit(const std::vector<LedgerRecord>& records, bool verifyFirst) {
  for (const auto& record : records) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return outstanding_ < maxBacklog_; });
      ++outstanding_;
    }
    try {
      sink_.workers().post([this, item = Item{record, verifyFirst}] { deliver(item); });
    } catch (...) {
      // Not queued (no thread could start): the record stays pending in the ledger for the next
      // cycle, and drain() must not wait for it.
      std::lock_guard<std::mutex> lock(mutex_);
      --outstanding_;
      changed_.notify_all();
      throw;
    }
  }
}

DeliveryCounts DeliveryQueue::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return outstanding_ == 0; });
  // Settled means in the ledger: the caller reads it next (what is left pending, the checkpoint).
  // The incidents named so far are counted once their commits have ended.
  std::vector<Recording> named;
  named.swap(recording_);
  lock.unlock();
  sink_.flushOutcomes();
  lock.lock();
  count(named);
  DeliveryCounts counts = counts_;
  counts.retries = retries_.exchange(0);
  counts_ = DeliveryCounts{};
  return counts;
}

void DeliveryQueue::deliver(const Item& item) {
  DeliveryOutcome outcome;
  auto unrecorded = std::make_shared<std::atomic<bool>>(false);
  try {
    outcome = sink_.deliverOne(item.record, item.verifyFirst, retries_, OutcomeCommit::Later, unrecorded);
  } catch (const Poco::Exception& e) {
    // Anything unexpected (e.g. the ledger itself failing) leaves the record pending.
    Poco::Logger::get("evalbridge.sink").error("%s: delivery stopped: %s", item.record.key(), e.displayText());
    outcome = DeliveryOutcome::LeftPending;
  } catch (const std::exception& e) {
    Poco::Logger::get("evalbridge.sink").error("%s: delivery stopped: %s", item.record.key(), std::string(e.what()));
    outcome = DeliveryOutcome::LeftPending;
  }
  std::optional<Recording> recording;
  if (namesIncident(outcome))
    recording = Recording{outcome, std::move(unrecorded), secondsSince(item.record.changedDate)};
  std::lock_guard<std::mutex> lock(mutex_);
  if (recording)
    recording_.push_back(std::move(*recording));
  else
    countOutcome(counts_, outcome);
  --outstanding_;
  // Only two waits end here: drain() at none outstanding, submit() at a backlog no longer full.
  // Waking the submitter for every other delivery would cost a context switch each (measured:
  // about a sixth of the 100-org case's switches).
  if (outstanding_ == 0 || outstanding_ + 1 == maxBacklog_) changed_.notify_all();
}

void DeliveryQueue::count(const std::vector<Recording>& recordings) {
  // Their outcome commits have ended: an incident the ledger could not record left its record
  // pending (the next delivery looks it up and adopts it), so it is counted as left pending, as
  // the ledger has it, not as created now and adopted then.
  for (const Recording& recording : recordings) {
    if (*recording.unrecorded) {
      countOutcome(counts_, DeliveryOutcome::LeftPending);
      continue;
    }
    countOutcome(counts_, recording.outcome);
    if (recording.pickedUpAfter) counts_.pickupSeconds.push_back(static_cast<float>(*recording.pickedUpAfter));
  }
}

}  // namespace evalbridge
