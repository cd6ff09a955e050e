#include "common/Metrics.h"

#include <cmath>
#include <sstream>
#include <string>

#include "common/Errors.h"

namespace evalbridge {
namespace {

std::string escapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string escapeHelp(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  // The shortest form that reads back as the same double (0.1, not 0.10000000000000001).
  for (int precision = 15;; ++precision) {
    std::ostringstream out;
    out.precision(precision);
    out << value;
    if (precision >= 17 || std::stod(out.str()) == value) return out.str();
  }
}

// Inserts `extra` as the last label of an already rendered label set.
std::string withLabel(const std::string& rendered, const std::string& extra) {
  if (rendered.empty()) return "{" + extra + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

const char* typeName(Metrics::Type type) {
  switch (type) {
    case Metrics::Type::Counter: return "counter";
    case Metrics::Type::Gauge: return "gauge";
    case Metrics::Type::Histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string renderLabels(const MetricLabels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=\"" + escapeLabelValue(labels[i].second) + "\"";
  }
  return out + "}";
}

std::vector<double> latencyBuckets() { return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}; }

void Metrics::declare(const std::string& name, Type type, const std::string& help, std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mutex_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
  if (type == Type::Histogram) f.buckets = buckets.empty() ? latencyBuckets() : std::move(buckets);
}

Metrics::Family& Metrics::family(const std::string& name, Type type) {
  auto found = families_.find(name);
  if (found == families_.end()) {
    Family& f = families_[name];
    f.type = type;
    if (type == Type::Histogram) f.buckets = latencyBuckets();
    return f;
  }
  if (found->second.type != type) throw PermanentError("metric " + name + " used with two types");
  return found->second;
}

void Metrics::increment(const std::string& name, const MetricLabels& labels, double by) {
  std::lock_guard<std::mutex> lock(mutex_);
  family(name, Type::Counter).series[renderLabels(labels)].value += by;
}

void Metrics::setTotal(const std::string& name, const MetricLabels& labels, double total) {
  std::lock_guard<std::mutex> lock(mutex_);
  family(name, Type::Counter).series[renderLabels(labels)].value = total;
}

void Metrics::set(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  family(name, Type::Gauge).series[renderLabels(labels)].value = value;
}

void Metrics::observe(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  Family& f = family(name, Type::Histogram);
  Series& s = f.series[renderLabels(labels)];
  if (s.counts.empty()) s.counts.assign(f.buckets.size(), 0);
  for (std::size_t i = 0; i < f.buckets.size(); ++i) {
    if (value <= f.buckets[i]) {
      ++s.counts[i];
      break;
    }
  }
  ++s.count;
  s.sum += value;
}

void Metrics::clear(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = families_.find(name);
  if (found != families_.end()) found->second.series.clear();
}

void Metrics::addCollector(Collector collector) {
  std::lock_guard<std::mutex> lock(collectorsMutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() {
  {
    // Collectors call set()/clear() (which take mutex_), so they run outside it.
    std::lock_guard<std::mutex> lock(collectorsMutex_);
    for (auto& collect : collectors_) collect(*this);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out << "# HELP " << name << " " << escapeHelp(f.help) << "\n";
    out << "# TYPE " << name << " " << typeName(f.type) << "\n";
    for (const auto& [labels, s] : f.series) {
      if (f.type != Type::Histogram) {
        out << name << labels << " " << number(s.value) << "\n";
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += i < s.counts.size() ? s.counts[i] : 0;
        out << name << "_bucket" << withLabel(labels, "le=\"" + number(f.buckets[i]) + "\"") << " " << cumulative
            << "\n";
      }
      out << name << "_bucket" << withLabel(labels, "le=\"+Inf\"") << " " << s.count << "\n";
      out << name << "_sum" << labels << " " << number(s.sum) << "\n";
      out << name << "_count" << labels << " " << s.count << "\n";
    }
  }
  return out.str();
}

double Metrics::value(const std::string& name, const MetricLabels& labels) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  auto s = f->second.series.find(renderLabels(labels));
  return s == f->second.series.end() ? 0 : s->second.value;
}

}  // namespace evalbridge
