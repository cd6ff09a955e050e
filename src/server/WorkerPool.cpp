#include "server/WorkerPool.h"

#include <Poco/Logger.h>
#include <Poco/Notification.h>

namespace evalbridge {
namespace {

// An empty job tells the thread that takes it to end.
struct JobNotification : Poco::Notification {
  explicit JobNotification(WorkerPool::Job job) : job(std::move(job)) {}
  WorkerPool::Job job;
};

}  // namespace

WorkerPool::WorkerPool(const std::string& name, int threads) {
  for (int i = 0; i < threads; ++i)
    threads_.push_back(std::make_unique<Poco::Thread>(name + "-" + std::to_string(i + 1)));
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
  started_ = true;
  for (auto& thread : threads_) thread->startFunc([this] { work(); });
}

void WorkerPool::post(Job job) { queue_.enqueueNotification(new JobNotification(std::move(job))); }

void WorkerPool::stop() {
  if (!started_) return;
  started_ = false;
  queue_.clear();
  // One end marker per thread, ahead of anything posted meanwhile: a thread busy with a job
  // takes its marker when done (wakeUpAll would only reach the threads waiting right now).
  for (std::size_t i = 0; i < threads_.size(); ++i) queue_.enqueueUrgentNotification(new JobNotification({}));
  for (auto& thread : threads_) thread->join();
  queue_.clear();
}

void WorkerPool::work() {
  while (Poco::AutoPtr<Poco::Notification> next = queue_.waitDequeueNotification()) {
    auto* job = dynamic_cast<JobNotification*>(next.get());
    if (!job) continue;
    if (!job->job) return;
    try {
      job->job();
    } catch (const std::exception& e) {
      // A job answers its own errors; this only keeps the thread alive if one escapes.
      Poco::Logger::get("evalbridge.server").error("worker: %s", std::string(e.what()));
    }
  }
}

}  // namespace evalbridge
