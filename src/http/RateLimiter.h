#pragma once
// Never more than `maxPerSecond` request starts in any one-second window, and never more than
// `maxConcurrent` requests in flight; thread-safe. acquire() blocks (interruptibly) until both allow.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace evalbridge {

class ShutdownToken;

class RateLimiter {
 public:
  RateLimiter(int maxPerSecond, int maxConcurrent);

  // RAII permit: released (in-flight count decremented) when destroyed.
  class Permit {
   public:
    explicit Permit(RateLimiter* owner) : owner_(owner) {}
    Permit(Permit&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    ~Permit();
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    RateLimiter* owner_;
  };

  // Blocks until a request may start; returns an empty permit if shutdown was requested first.
  Permit acquire(ShutdownToken& shutdown);

 private:
  void release();
  int maxPerSecond_;
  int maxConcurrent_;
  int inFlight_ = 0;
  std::deque<std::chrono::steady_clock::time_point> recentStarts_;
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace evalbridge
