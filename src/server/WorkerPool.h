#pragma once
// A fixed set of threads taking jobs from one queue (Poco's NotificationQueue). The server has two:
// one for requests in general and a small one for /healthz and /readyz, so probes are answered
// even while every general worker waits on the ledger.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Poco/NotificationQueue.h>
#include <Poco/Thread.h>

namespace evalbridge {

class WorkerPool {
 public:
  using Job = std::function<void()>;

  WorkerPool(const std::string& name, int threads);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void start();
  void post(Job job);
  // Jobs still queued are dropped (destroyed unrun); running ones finish first.
  void stop();

 private:
  void work();

  Poco::NotificationQueue queue_;
  std::vector<std::unique_ptr<Poco::Thread>> threads_;
  bool started_ = false;
};

}  // namespace evalbridge
