#include "sim/FaultInjector.h"

#include <Poco/Exception.h>
#include <Poco/String.h>

namespace evalbridge::sim {

bool FaultInjector::isKnownKind(const std::string& kind) {
  return kind == "status" || kind == "reset" || kind == "latency" || kind == "ambiguous" || kind == "jobStatus" ||
         kind == "badJson" || kind == "poison" || kind == "poisonBody";
}

void FaultInjector::add(const FaultRule& rule) {
  if (!isKnownKind(rule.kind)) throw Poco::InvalidArgumentException("fault kind: unknown '" + rule.kind + "'");
  if (rule.server.empty()) throw Poco::InvalidArgumentException("fault server: must not be empty");
  if (rule.kind == "status" && (rule.status < 100 || rule.status > 599)) {
    throw Poco::InvalidArgumentException("fault status: not an HTTP status");
  }
  if (rule.kind == "jobStatus" && rule.jobStatus != "FAILED" && rule.jobStatus != "CANCELLED" &&
      rule.jobStatus != "EXPIRED") {
    throw Poco::InvalidArgumentException("fault jobStatus: must be FAILED, CANCELLED or EXPIRED");
  }
  if (rule.latencyMs < 0) throw Poco::InvalidArgumentException("fault latencyMs: must be >= 0");
  std::lock_guard<std::mutex> lock(mutex_);
  rules_.push_back(ActiveRule{rule, SplitMix64(rule.seed), 0});
}

void FaultInjector::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  rules_.clear();
}

std::vector<FaultRule> FaultInjector::rules() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<FaultRule> out;
  for (const auto& active : rules_) out.push_back(active.rule);
  return out;
}

bool FaultInjector::matches(const FaultRule& rule, const std::string& server, const std::string& method,
                            const std::string& path) {
  return rule.server == server && (rule.method.empty() || Poco::icompare(rule.method, method) == 0) &&
         path.compare(0, rule.pathPrefix.size(), rule.pathPrefix) == 0;
}

bool FaultInjector::fires(ActiveRule& active) {
  if (active.matched++ < active.rule.after) return false;
  if (active.rule.count >= 0 && active.fired >= active.rule.count) return false;
  if (active.rule.probability < 1.0 && !(active.prng.nextDouble() < active.rule.probability)) {
    return false;
  }
  ++active.fired;
  return true;
}

FaultDecision FaultInjector::decide(const std::string& server, const std::string& method, const std::string& path,
                                    bool isJobStatusPoll) {
  std::lock_guard<std::mutex> lock(mutex_);
  FaultDecision decision;
  for (auto& active : rules_) {
    const FaultRule& rule = active.rule;
    if (!matches(rule, server, method, path)) continue;
    if (rule.kind == "latency") {
      if (fires(active)) decision.latencyMs += rule.latencyMs;
      continue;
    }
    if (decision.fault) continue;  // the first fault wins; later ones keep their count
    if (rule.kind == "jobStatus" && !isJobStatusPoll) continue;
    if (fires(active)) {
      decision.fault = rule;
      decision.latencyMs += rule.latencyMs;
    }
  }
  return decision;
}

}  // namespace evalbridge::sim
