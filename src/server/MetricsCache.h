#pragma once
// The /metrics page, rendered at most once per TTL. Rendering runs the registry's collectors,
// and the ledger collectors run GROUP BY queries over whole tables under the ledger's lock: a
// scraper polling in a loop would otherwise stall deliveries. Counters are at most TTL old too,
// which is far below any Prometheus scrape interval.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace evalbridge {

class Metrics;

class MetricsCache {
 public:
  MetricsCache(Metrics& metrics, std::chrono::steady_clock::duration ttl);

  // The cached page, or a fresh one when it is older than the TTL. Concurrent callers wait for
  // one render rather than each running the collectors. A failed render is not cached (throws).
  std::string page();

 private:
  Metrics& metrics_;
  std::chrono::steady_clock::duration ttl_;
  std::mutex mutex_;
  std::string page_;
  std::optional<std::chrono::steady_clock::time_point> renderedAt_;
};

}  // namespace evalbridge
