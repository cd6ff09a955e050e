#pragma once
// Decides, per request, which scripted fault (FaultRule) hits it. Rules are checked in the order
// they were added; the first non-latency rule that fires is the fault; latency rules that fire add
// their delay on top. Each rule has its own SplitMix64, so a probabilistic scenario replays the
// same way given the same sequence of requests. Thread-safe.
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sim/Simulator.h"
#include "sim/SplitMix64.h"

namespace evalbridge::sim {

struct FaultDecision {
  std::optional<FaultRule> fault;  // the rule that fired (never kind "latency")
  int latencyMs = 0;               // total delay to add before answering
};

class FaultInjector {
 public:
  static bool isKnownKind(const std::string& kind);

  void add(const FaultRule& rule);  // throws Poco::InvalidArgumentException for a bad rule
  void clear();
  std::vector<FaultRule> rules() const;

  // `isJobStatusPoll`: rules of kind "jobStatus" only apply to export/analytics job polls, so a
  // broad rule does not spend its count on unrelated requests.
  FaultDecision decide(const std::string& server, const std::string& method, const std::string& path,
                       bool isJobStatusPoll);

 private:
  struct ActiveRule {
    FaultRule rule;
    SplitMix64 prng;
    int fired = 0;
    int matched = 0;  // requests this rule matched, fired or not
  };
  static bool matches(const FaultRule& rule, const std::string& server, const std::string& method,
                      const std::string& path);
  static bool fires(ActiveRule& active);

  mutable std::mutex mutex_;
  std::vector<ActiveRule> rules_;
};

}  // namespace evalbridge::sim
