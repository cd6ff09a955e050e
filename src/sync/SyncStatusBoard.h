#pragma once
// What `run` knows about each org's cycles: whether the last one was ok, why not, how many failed
// in a row (for the org's own backoff) and when the last good one ended. /readyz and /metrics read
// it; the org schedulers write it. Thread-safe.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sync/OrgSync.h"

namespace evalbridge {

struct OrgStatus {
  std::string orgName;
  std::string orgId;
  int cycles = 0;
  bool lastOk = false;
  std::string lastError;
  int consecutiveFailures = 0;
  std::optional<std::chrono::system_clock::time_point> lastSuccess;
  // The push channel (PushPickup): "off" (notifications false, or sync --once), else the
  // channel's state name ("connected", "sweep-only", ...) and why, when it is not connected.
  std::string push = "off";
  std::string pushDetail;
  // Replicas on a shared ledger: another replica holds the org's lease, so this one does not
  // work it (and its readiness does not depend on it).
  bool elsewhere = false;
};

class SyncStatusBoard {
 public:
  // Every org starts as "no cycle yet" (not ready).
  void expect(const std::string& orgName, const std::string& orgId);
  void record(const OrgSyncReport& report, std::chrono::system_clock::time_point at = std::chrono::system_clock::now());
  // The push channel's state; it never makes an org unready (the sweep carries it), /readyz and
  // /metrics only say so.
  void recordPush(const std::string& orgName, const std::string& state, const std::string& detail);
  // Whether this replica holds the org's lease (always, without replicas).
  void recordHeld(const std::string& orgName, bool here);
  OrgStatus status(const std::string& orgName) const;
  std::vector<OrgStatus> all() const;
  // Ready when the last cycle of every org worked here was ok; otherwise `notReady` says which and why.
  bool ready(std::vector<std::pair<std::string, std::string>>& notReady) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, OrgStatus> orgs_;
};

// When an org's next cycle starts: its interval after a good cycle; after n failures in a row,
// sooner at first (min(interval, 30 s)), doubling per failure, capped at max(interval, 15 min), so
// a short outage heals fast and a long one is not hammered. Other orgs keep their own pace.
std::chrono::milliseconds nextCycleDelay(int intervalS, int consecutiveFailures);

}  // namespace evalbridge
