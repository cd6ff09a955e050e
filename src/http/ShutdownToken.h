#pragma once
// A stop request shared by every loop that waits: sleeps are Poco::Event::tryWait, so a
// SIGTERM wakes them at once instead of after the full backoff.
//
// Waiters that block on their own condition variable (RateLimiter) subscribe a callback with
// onStop(); requestStop() runs every subscribed callback, so they wake at once too.
#include <Poco/Event.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace evalbridge {

class ShutdownToken {
 public:
  ShutdownToken();
  ShutdownToken(const ShutdownToken&) = delete;
  ShutdownToken& operator=(const ShutdownToken&) = delete;

  void requestStop();
  bool stopRequested() const;
  // Waits up to `duration`; returns false when a stop was requested (before or during the wait).
  bool sleepFor(std::chrono::milliseconds duration);

  // RAII registration of a stop callback; unregistered when destroyed. After the destructor
  // returns, the callback is guaranteed not to be running and never runs again.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(ShutdownToken* token, std::uint64_t id) : token_(token), id_(id) {}
    Subscription(Subscription&& other) noexcept : token_(other.token_), id_(other.id_) { other.token_ = nullptr; }
    Subscription& operator=(Subscription&&) = delete;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();

   private:
    ShutdownToken* token_ = nullptr;
    std::uint64_t id_ = 0;
  };

  // Registers `callback`, run on the thread that calls requestStop() (once). It is NOT run when a
  // stop was already requested before subscribing: subscribe first, then check stopRequested().
  // The callback must be short and must not call back into this token.
  Subscription onStop(std::function<void()> callback);

 private:
  void unsubscribe(std::uint64_t id);

  std::atomic<bool> stop_{false};
  Poco::Event event_;
  std::mutex listenersMutex_;
  std::uint64_t nextListenerId_ = 1;
  std::map<std::uint64_t, std::function<void()>> listeners_;
};

}  // namespace evalbridge
