// The sink's shared delivery threads: every posted task runs once, threads start only when all
// are busy and never beyond the bound, and destruction runs what was posted before joining.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "servicenow/DeliveryWorkers.h"

using evalbridge::DeliveryWorkers;

TEST_CASE("a trickle of tasks keeps one thread, and a burst starts no more than the bound", "[delivery]") {
  DeliveryWorkers workers(8);
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

TEST_CASE("destroying the workers runs every task posted before", "[delivery]") {
  std::atomic<int> ran{0};
  {
    DeliveryWorkers workers(2);
    for (int i = 0; i < 100; ++i)
      workers.post([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ++ran;
      });
  }
  CHECK(ran == 100);
}
