#include "common/WorkerThreads.h"

#include <algorithm>
#include <memory>
#include <system_error>

#include <Poco/Logger.h>

#include "common/Errors.h"

namespace evalbridge {

std::string refusedThreadText(const std::system_error& e) { return refusedThreadText(std::string(e.what())); }

std::string refusedThreadText(const std::string& why) { return "the system refuses to start a thread (" + why + ")"; }

WorkerThreads::WorkerThreads(int maxWorkers) : maxWorkers_(std::max(1, maxWorkers)) {}

WorkerThreads::~WorkerThreads() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void WorkerThreads::post(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mutex_);
  tasks_.push_back(std::move(task));
  // A new thread only when every thread is busy: a trickle of work keeps one or two.
  if (static_cast<std::size_t>(idle_) < tasks_.size() && static_cast<int>(threads_.size()) < maxWorkers_) {
    try {
      threads_.emplace_back([this] { work(); });
    } catch (const std::system_error& e) {
      // The bound is ours; the system's limit (pids.max, ulimit -u) may be lower, and is shared
      // with everything else the process runs. Fewer threads only means a longer queue.
      const std::string advice = std::string(kThreadLimitAdvice) +
                                 ", or lower sync.maxConcurrentOrgs and the maxConcurrency settings";
      if (threads_.empty()) {
        tasks_.pop_back();
        throw TransientError(refusedThreadText(e) + ": " + advice);
      }
      if (!refusedThreadLogged_) {
        refusedThreadLogged_ = true;
        Poco::Logger::get("evalbridge.threads")
            .warning("%s: going on with %z of up to %d; %s", refusedThreadText(e), threads_.size(), maxWorkers_,
                     advice);
      }
    }
  }
  changed_.notify_one();
}

int WorkerThreads::started() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(threads_.size());
}

void WorkerThreads::runAlongside(int helpers, const std::function<void()>& work) {
  struct Copies {
    std::mutex mutex;
    std::condition_variable finished;
    int running = 0;
    bool closed = false;  // the caller is done: `work` and its frame may be gone
  };
  auto copies = std::make_shared<Copies>();
  // Whatever happens below, no copy may start once this frame is left.
  auto closeAndWait = [&copies] {
    std::unique_lock<std::mutex> lock(copies->mutex);
    copies->closed = true;
    copies->finished.wait(lock, [&] { return copies->running == 0; });
  };
  try {
    for (int i = 0; i < helpers; ++i) {
      post([copies, &work] {
        {
          std::lock_guard<std::mutex> lock(copies->mutex);
          if (copies->closed) return;
          ++copies->running;
        }
        work();
        std::lock_guard<std::mutex> lock(copies->mutex);
        if (--copies->running == 0) copies->finished.notify_all();
      });
    }
  } catch (const TransientError&) {
    // Not one thread could start: the caller does the work alone.
  } catch (...) {
    closeAndWait();
    throw;
  }
  work();
  closeAndWait();
}

void WorkerThreads::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ++idle_;
    changed_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (tasks_.empty()) return;  // stopping, nothing left
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();  // never throws: each user catches its own (DeliveryQueue, EvaluationFetcher's workers)
    lock.lock();
  }
}

}  // namespace evalbridge
