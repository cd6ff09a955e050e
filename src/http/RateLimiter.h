#pragma once
// Never more than `maxPerSecond` request starts in any one-second window, and never more than
// `maxConcurrent` requests in flight; thread-safe. acquire() blocks (interruptibly) until both allow.
//
// The window is sliding: a start at time t is allowed only when fewer than maxPerSecond starts
// happened in (t - 1 s, t]. Clock: std::chrono::steady_clock. A RateLimiter must outlive its
// permits.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace evalbridge {

class ShutdownToken;

class RateLimiter {
 public:
  // Both limits must be >= 1 (Poco::InvalidArgumentException otherwise).
  RateLimiter(int maxPerSecond, int maxConcurrent);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // RAII permit: released (in-flight count decremented) when destroyed.
  class Permit {
   public:
    explicit Permit(RateLimiter* owner) : owner_(owner) {}
    Permit(RateLimiter* owner, std::chrono::steady_clock::time_point startedAt)
        : owner_(owner), startedAt_(startedAt) {}
    Permit(Permit&& other) noexcept : owner_(other.owner_), startedAt_(other.startedAt_) { other.owner_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    ~Permit();
    explicit operator bool() const { return owner_ != nullptr; }
    // The start time the limiter recorded for this permit (what the per-second limit counts).
    std::chrono::steady_clock::time_point startedAt() const { return startedAt_; }

   private:
    RateLimiter* owner_;
    std::chrono::steady_clock::time_point startedAt_{};
  };

  // Blocks until a request may start; returns an empty permit if shutdown was requested first.
  Permit acquire(ShutdownToken& shutdown);

  // Current number of permits held (for metrics and tests).
  int inFlight();

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
