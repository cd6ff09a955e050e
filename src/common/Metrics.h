#pragma once
// A small metrics registry rendered in the Prometheus text exposition format (version 0.0.4):
// counters, gauges and histograms, each a family of series told apart by labels. Thread-safe.
// Collectors run just before each render, for values read from elsewhere (e.g. ledger counts),
// so a scrape always shows the ledger as it is.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace evalbridge {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  enum class Type { Counter, Gauge, Histogram };

  // Declares a family (its # HELP and # TYPE lines). Histograms take upper bounds, ascending.
  void declare(const std::string& name, Type type, const std::string& help, std::vector<double> buckets = {});

  void increment(const std::string& name, const MetricLabels& labels, double by = 1);  // counter
  // A counter whose running total is kept elsewhere (read by a collector at scrape time).
  void setTotal(const std::string& name, const MetricLabels& labels, double total);
  void set(const std::string& name, const MetricLabels& labels, double value);        // gauge
  void observe(const std::string& name, const MetricLabels& labels, double value);    // histogram
  // Drops every series of a gauge family (before a collector sets the current ones).
  void clear(const std::string& name);

  using Collector = std::function<void(Metrics&)>;
  void addCollector(Collector collector);

  // Runs the collectors, then renders every family.
  std::string render();

  // Value of one counter/gauge series (0 when absent): for tests and status output.
  double value(const std::string& name, const MetricLabels& labels) const;

 private:
  struct Series {
    double value = 0;                 // counter / gauge
    std::vector<std::uint64_t> counts;  // histogram: per bucket (not cumulative)
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    Type type = Type::Counter;
    std::string help;
    std::vector<double> buckets;
    std::map<std::string, Series> series;  // rendered label set -> series
  };
  Family& family(const std::string& name, Type type);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
  std::mutex collectorsMutex_;
  std::vector<Collector> collectors_;
};

// Default buckets for request latencies, in seconds.
std::vector<double> latencyBuckets();

// `{a="1",b="x\"y"}` with Prometheus escaping; "" for no labels.
std::string renderLabels(const MetricLabels& labels);

}  // namespace evalbridge
