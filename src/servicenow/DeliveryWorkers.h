#pragma once
// The threads that deliver for every DeliveryQueue of one sink. Each export window has a queue of
// its own, and a cycle over many orgs has many windows: a pool per queue started eight threads per
// window (1,300 thread starts for 100 orgs) while ServiceNow's permits let only
// servicenow.maxConcurrency requests run anyway. Here a bounded number of threads exist (the sink
// asks for twice the permits, so requests go on while some workers wait for the ledger's commit
// of an outcome), started as work arrives and kept for the sink's life; tasks run in the order
// they were posted.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace evalbridge {

class DeliveryWorkers {
 public:
  explicit DeliveryWorkers(int maxWorkers);
  ~DeliveryWorkers();  // runs what was posted, then joins
  DeliveryWorkers(const DeliveryWorkers&) = delete;
  DeliveryWorkers& operator=(const DeliveryWorkers&) = delete;

  // A task must not wait for other tasks (it would hold a worker that they may need).
  void post(std::function<void()> task);
  int started() const;

 private:
  void work();

  const int maxWorkers_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> tasks_;
  int idle_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace evalbridge
