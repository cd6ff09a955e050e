#pragma once
// A bounded set of threads shared by many short-lived users: started only when every thread is
// busy, never beyond the bound, and kept for the owner's life; tasks run in the order they were
// posted. The sink delivers on one (every DeliveryQueue of every org posts to it), and the sync
// engine reads evaluations in full on another (every org's EvaluationFetcher), so a cycle over
// many orgs starts a handful of threads instead of some for each window of each org.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace evalbridge {

// For every message about a thread the system refused (its limit on threads is lower than what
// the configuration allows): "the system refuses to start a thread (<why>)", and what to change.
std::string refusedThreadText(const std::system_error& e);
std::string refusedThreadText(const std::string& why);  // Poco's threads say why in a message only
inline constexpr const char* kThreadLimitAdvice = "raise the limit on threads (a container's pids limit, ulimit -u)";

class WorkerThreads {
 public:
  explicit WorkerThreads(int maxWorkers);
  ~WorkerThreads();  // runs what was posted, then joins
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

  // A task must not wait for other tasks (it would hold a worker that they may need).
  // When the system refuses a new thread (a container's pids limit, `ulimit -u`), the task waits
  // for one of the threads already running, and a warning says so once. With no thread at all
  // it throws TransientError (the task is not kept): nothing would ever run it.
  void post(std::function<void()> task);
  int started() const;

  // Runs `work` on this thread and, alongside, on up to `helpers` of these threads (fewer when
  // they are busy: this thread does what they do not), and returns once every copy that started
  // has returned; a copy that had not started by then never starts. So `work` may use the
  // caller's frame, and should share one queue of items among its copies. It must not throw.
  // Helpers the system refuses to start are simply fewer helpers.
  void runAlongside(int helpers, const std::function<void()>& work);

 private:
  void work();

  const int maxWorkers_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> tasks_;
  int idle_ = 0;
  bool stopping_ = false;
  bool refusedThreadLogged_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace evalbridge
