#include "servicenow/DeliveryQueue.h"

#include <algorithm>

#include <Poco/Exception.h>
#include <Poco/Logger.h>

namespace evalbridge {

DeliveryQueue::DeliveryQueue(IncidentSink& sink, int expected)
    : sink_(sink),
      maxWorkers_(expected > 0 ? std::min(sink.maxConcurrency(), expected) : sink.maxConcurrency()),
      maxBacklog_(static_cast<size_t>(std::max(1000, 16 * sink.maxConcurrency()))) {}

DeliveryQueue::~DeliveryQueue() {
  drain();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void DeliveryQueue::ensureWorkers() {
  // Workers start on first use, so a window with nothing to deliver starts no thread.
  while (static_cast<int>(workers_.size()) < maxWorkers_) workers_.emplace_back([this] { work(); });
}

void DeliveryQueue::submit(const std::vector<LedgerRecord>& records, bool verifyFirst) {
  if (records.empty()) return;
  std::unique_lock<std::mutex> lock(mutex_);
  ensureWorkers();
  for (const auto& record : records) {
    changed_.wait(lock, [this] { return items_.size() < maxBacklog_; });
    items_.push_back(Item{record, verifyFirst});
    changed_.notify_all();
  }
}

DeliveryCounts DeliveryQueue::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return items_.empty() && busy_ == 0; });
  DeliveryCounts counts = counts_;
  counts.retries = retries_.exchange(0);
  counts_ = DeliveryCounts{};
  return counts;
}

void DeliveryQueue::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !items_.empty(); });
    if (items_.empty()) return;  // stopping, nothing left
    Item item = std::move(items_.front());
    items_.pop_front();
    ++busy_;
    changed_.notify_all();  // room in the backlog
    lock.unlock();
    DeliveryOutcome outcome;
    try {
      outcome = sink_.deliverOne(item.record, item.verifyFirst, retries_);
    } catch (const Poco::Exception& e) {
      // Anything unexpected (e.g. the ledger itself failing) leaves the record pending.
      Poco::Logger::get("evalbridge.sink").error("%s: delivery stopped: %s", item.record.key(), e.displayText());
      outcome = DeliveryOutcome::LeftPending;
    } catch (const std::exception& e) {
      Poco::Logger::get("evalbridge.sink").error("%s: delivery stopped: %s", item.record.key(), std::string(e.what()));
      outcome = DeliveryOutcome::LeftPending;
    }
    lock.lock();
    switch (outcome) {
      case DeliveryOutcome::Created: ++counts_.created; break;
      case DeliveryOutcome::Updated: ++counts_.updated; break;
      case DeliveryOutcome::Adopted: ++counts_.adopted; break;
      case DeliveryOutcome::Dead: ++counts_.dead; break;
      case DeliveryOutcome::LeftPending: ++counts_.leftPending; break;
      case DeliveryOutcome::Elsewhere: ++counts_.elsewhere; break;
    }
    --busy_;
    changed_.notify_all();
  }
}

}  // namespace evalbridge
