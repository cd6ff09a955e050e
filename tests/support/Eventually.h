#pragma once
// Polling for tests: checks `condition` every 100 ms until it holds or `timeout` passes (tests may
// poll; the product never does).
#include <chrono>
#include <functional>
#include <thread>

namespace evalbridge::test {

inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

}  // namespace evalbridge::test
