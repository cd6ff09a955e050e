#include "server/MetricsCache.h"

#include "common/Metrics.h"

namespace evalbridge {

MetricsCache::MetricsCache(Metrics& metrics, std::chrono::steady_clock::duration ttl) : metrics_(metrics), ttl_(ttl) {}

std::string MetricsCache::page() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!renderedAt_ || now - *renderedAt_ >= ttl_) {
    page_ = metrics_.render();
    renderedAt_ = now;
  }
  return page_;
}

}  // namespace evalbridge
