#pragma once
// Delivery that overlaps with reading the export: records are submitted page by page and the
// sink's workers (WorkerThreads, shared by every queue; ServiceNow's permits bound the requests)
// deliver them while the next page is fetched, so neither the page fetches nor the tail of each
// page leave the ServiceNow connections idle. Outcomes are committed without holding a worker
// (OutcomeCommit::Later). drain() waits for everything this queue submitted, and for every
// outcome to be in the ledger, and returns its counts. submit() blocks while the queue's backlog
// is full, which keeps memory bounded however fast the export is read.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

#include "ledger/LedgerRecord.h"
#include "servicenow/IncidentSink.h"

namespace evalbridge {

class DeliveryQueue {
 public:
  // `maxBacklog`: how many records may be submitted and not yet settled; 0 for the default,
  // max(1000, 16 x the sink's concurrency).
  explicit DeliveryQueue(IncidentSink& sink, std::size_t maxBacklog = 0);
  ~DeliveryQueue();  // drains
  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;

  // Only each record's key and changedDate are read: the sink reads the record again under its
  // claim (IncidentSink::deliverOne), so a record with just those set will do. The changedDate
  // (may be empty) is where the pickup latency of its incident counts from.
  void submit(const std::vector<LedgerRecord>& records, bool verifyFirst);
  // Waits until every submitted record is settled or left pending; returns the counts so far
  // and resets them. The queue can be used again afterwards.
  DeliveryCounts drain();

 private:
  struct Item {
    LedgerRecord record;
    bool verifyFirst;
  };
  // An incident named by a delivery whose outcome commit had not ended when it returned.
  struct Recording {
    DeliveryOutcome outcome;
    UnrecordedFlag unrecorded;            // set if that commit fails
    std::optional<double> pickedUpAfter;  // seconds from the evaluation's change to its incident
  };
  void deliver(const Item& item);
  void count(const std::vector<Recording>& recordings);  // after their commits; mutex_ held

  IncidentSink& sink_;
  const size_t maxBacklog_;
  std::mutex mutex_;
  std::condition_variable changed_;
  size_t outstanding_ = 0;  // submitted, not yet settled or left pending
  DeliveryCounts counts_;
  std::vector<Recording> recording_;  // counted by drain(), once their commits have ended
  std::atomic<int> retries_{0};
};

}  // namespace evalbridge
