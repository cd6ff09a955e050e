// Shared worker threads (the sink's deliveries, the engine's full reads): every posted task runs
// once, threads start only when all are busy and never beyond the bound, destruction runs what
// was posted before joining, and work run alongside never outlives its caller. When the system
// refuses threads (its limit, for real, in a child process), tasks wait and helpers are fewer.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "common/Errors.h"
#include "common/WorkerThreads.h"
#include "support/Eventually.h"
#include "support/ThreadLimit.h"

using evalbridge::WorkerThreads;
namespace test = evalbridge::test;

TEST_CASE("a trickle of tasks keeps one thread, and a burst starts no more than the bound", "[workers]") {
  WorkerThreads workers(8);
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    workers.post([&] { ++ran; });
    // Each task is done before the next is posted: the one thread is idle again.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (ran.load() < i + 1 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(ran == 50);
  CHECK(workers.started() == 1);

  // A burst of tasks that all wait on one gate: every thread is busy, so the bound is reached.
  std::mutex mutex;
  std::condition_variable opened;
  bool open = false;
  std::atomic<int> waiting{0};
  for (int i = 0; i < 30; ++i) {
    workers.post([&] {
      ++waiting;
      std::unique_lock<std::mutex> lock(mutex);
      opened.wait(lock, [&] { return open; });
      ++ran;
    });
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (waiting.load() < 8 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  CHECK(waiting == 8);
  CHECK(workers.started() == 8);
  {
    std::lock_guard<std::mutex> lock(mutex);
    open = true;
  }
  opened.notify_all();
  while (ran.load() < 80 && std::chrono::steady_clock::now() < until + std::chrono::seconds(5))
    std::this_thread::yield();
  CHECK(ran == 80);
  CHECK(workers.started() == 8);
}

TEST_CASE("destroying the workers runs every task posted before", "[workers]") {
  std::atomic<int> ran{0};
  {
    WorkerThreads workers(2);
    for (int i = 0; i < 100; ++i)
      workers.post([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ++ran;
      });
  }
  CHECK(ran == 100);
}

TEST_CASE("work run alongside: copies run at once on idle threads, and the caller waits for those that started",
          "[workers]") {
  WorkerThreads workers(4);
  std::atomic<int> inside{0};
  std::atomic<int> peak{0};
  std::atomic<int> finished{0};
  workers.runAlongside(3, [&] {
    const int now = ++inside;
    for (int seen = peak.load(); now > seen && !peak.compare_exchange_weak(seen, now);) {
    }
    // Each copy stays until all four are inside (or five seconds pass), then lingers a little,
    // so a caller that did not wait would return before the helpers finish.
    test::eventually([&] { return peak.load() == 4; }, std::chrono::seconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    --inside;
    ++finished;
  });
  CHECK(peak == 4);      // the caller and three helpers at once
  CHECK(finished == 4);  // none still running when it returned
}

TEST_CASE("work run alongside: when every thread is busy the caller does it alone, and late copies never run it",
          "[workers]") {
  WorkerThreads workers(2);
  std::mutex mutex;
  std::condition_variable opened;
  bool open = false;
  std::atomic<int> blocked{0};
  for (int i = 0; i < 2; ++i)
    workers.post([&] {
      ++blocked;
      std::unique_lock<std::mutex> lock(mutex);
      opened.wait(lock, [&] { return open; });
    });
  REQUIRE(test::eventually([&] { return blocked.load() == 2; }, std::chrono::seconds(5)));

  std::atomic<int> items{100};
  std::atomic<int> copies{0};
  const std::function<void()> work = [&] {  // outlives the call, so a late copy would only count
    ++copies;
    while (items.fetch_sub(1) > 0) {
    }
  };
  workers.runAlongside(2, work);
  CHECK(items <= 0);  // every item done, by the caller alone
  CHECK(copies == 1);

  {
    std::lock_guard<std::mutex> lock(mutex);
    open = true;
  }
  opened.notify_all();
  // The two copies queued behind the blocked tasks now run, and must find the caller gone.
  std::atomic<bool> drained{false};
  workers.post([&] { drained = true; });
  REQUIRE(test::eventually([&] { return drained.load(); }, std::chrono::seconds(5)));
  CHECK(copies == 1);
}

TEST_CASE("when the system refuses new threads, tasks wait for the threads there are and helpers are fewer",
          "[workers]") {
  const int code = test::inChild([] {
    WorkerThreads workers(8);
    std::atomic<int> ran{0};
    workers.post([&] { ++ran; });  // one thread, before the limit
    if (!test::eventually([&] { return ran.load() == 1; }, std::chrono::seconds(5)))
      return test::checkFailed(1, "first task");
    test::refuseNewThreads();
    std::thread probe;
    try {
      probe = std::thread([] {});
      probe.join();
      return test::checkFailed(2, "the limit does not refuse threads here");
    } catch (const std::system_error&) {
    }
    // A burst that would start seven more threads: each task still runs, on the one thread.
    for (int i = 0; i < 50; ++i) workers.post([&] { ++ran; });
    if (!test::eventually([&] { return ran.load() == 51; }, std::chrono::seconds(10)))
      return test::checkFailed(3, "burst ran");
    if (workers.started() != 1) return test::checkFailed(4, "a thread started beyond the limit");
    // Work run alongside: the helpers the system refuses are fewer helpers, and nothing is lost.
    std::atomic<int> items{1000};
    std::atomic<int> done{0};
    workers.runAlongside(7, [&] {
      while (items.fetch_sub(1) > 0) ++done;
    });
    if (done != 1000) return test::checkFailed(5, "work run alongside");
    return 0;
  });
  CHECK(code == 0);
}

TEST_CASE("with no thread at all and none allowed, a post says so and keeps nothing, and the caller works alone",
          "[workers]") {
  const int code = test::inChild([] {
    WorkerThreads workers(4);
    test::refuseNewThreads();
    std::atomic<bool> lateRun{false};
    try {
      workers.post([&] { lateRun = true; });
      return test::checkFailed(1, "post did not throw");
    } catch (const evalbridge::TransientError& e) {
      if (e.message().find("the system refuses to start a thread") == std::string::npos ||
          e.message().find("ulimit -u") == std::string::npos)
        return test::checkFailed(2, "the error does not say what to change");
    }
    std::atomic<int> items{500};
    std::atomic<int> copies{0};
    const std::function<void()> work = [&] {
      ++copies;
      while (items.fetch_sub(1) > 0) {
      }
    };
    workers.runAlongside(3, work);
    if (items > 0) return test::checkFailed(3, "work left undone");
    if (copies != 1) return test::checkFailed(4, "a copy ran besides the caller");
    // Threads allowed again: the refused task was not kept, so the first thread does not run it.
    test::allowNewThreads();
    std::atomic<bool> next{false};
    workers.post([&] { next = true; });
    if (!test::eventually([&] { return next.load(); }, std::chrono::seconds(5)))
      return test::checkFailed(5, "next task");
    if (lateRun) return test::checkFailed(6, "the refused task ran later");
    return 0;
  });
  CHECK(code == 0);
}
