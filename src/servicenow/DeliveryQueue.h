#pragma once
// Delivery that overlaps with reading the export: records are submitted page by page and a fixed
// pool of servicenow.maxConcurrency workers delivers them while the next page is fetched, so
// neither the page fetches nor the tail of each page leave the ServiceNow connections idle.
// drain() waits for everything submitted and returns the counts. submit() blocks while the
// backlog is full, which keeps memory bounded however fast the export is read.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "ledger/LedgerRecord.h"
#include "servicenow/IncidentSink.h"

namespace evalbridge {

class DeliveryQueue {
 public:
  // `expected`: a hint (records known up front); fewer workers are started for a small batch.
  explicit DeliveryQueue(IncidentSink& sink, int expected = 0);
  ~DeliveryQueue();  // drains
  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;

  void submit(const std::vector<LedgerRecord>& records, bool verifyFirst);
  // Waits until every submitted record is settled or left pending; returns the counts so far
  // and resets them. The queue can be used again afterwards.
  DeliveryCounts drain();

 private:
  struct Item {
    LedgerRecord record;
    bool verifyFirst;
  };
  void work();
  void ensureWorkers();

  IncidentSink& sink_;
  const int maxWorkers_;
  const size_t maxBacklog_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> items_;
  int busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  DeliveryCounts counts_;
  std::atomic<int> retries_{0};
};

}  // namespace evalbridge
