#include "sync/SyncStatusBoard.h"

#include <algorithm>

namespace evalbridge {

void SyncStatusBoard::expect(const std::string& orgName, const std::string& orgId) {
  std::lock_guard<std::mutex> lock(mutex_);
  OrgStatus& status = orgs_[orgName];
  status.orgName = orgName;
  status.orgId = orgId;
}

void SyncStatusBoard::record(const OrgSyncReport& report, std::chrono::system_clock::time_point at) {
  std::lock_guard<std::mutex> lock(mutex_);
  OrgStatus& status = orgs_[report.orgName];
  status.orgName = report.orgName;
  if (!report.orgId.empty()) status.orgId = report.orgId;
  ++status.cycles;
  status.lastOk = report.ok;
  status.lastError = report.ok ? std::string() : report.error;
  status.consecutiveFailures = report.ok ? 0 : status.consecutiveFailures + 1;
  if (report.ok) status.lastSuccess = at;
}

void SyncStatusBoard::recordPush(const std::string& orgName, const std::string& state, const std::string& detail) {
  std::lock_guard<std::mutex> lock(mutex_);
  OrgStatus& status = orgs_[orgName];
  status.orgName = orgName;
  status.push = state;
  status.pushDetail = detail;
}

OrgStatus SyncStatusBoard::status(const std::string& orgName) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = orgs_.find(orgName);
  return found == orgs_.end() ? OrgStatus{} : found->second;
}

std::vector<OrgStatus> SyncStatusBoard::all() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<OrgStatus> out;
  for (const auto& entry : orgs_) out.push_back(entry.second);
  return out;
}

void SyncStatusBoard::recordHeld(const std::string& orgName, bool here) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = orgs_.find(orgName);
  if (found != orgs_.end()) found->second.elsewhere = !here;
}

bool SyncStatusBoard::ready(std::vector<std::pair<std::string, std::string>>& notReady) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, status] : orgs_) {
    if (status.elsewhere) continue;
    if (status.cycles == 0)
      notReady.emplace_back(name, "no cycle finished yet");
    else if (!status.lastOk)
      notReady.emplace_back(name, status.lastError.empty() ? std::string("last cycle failed") : status.lastError);
  }
  return notReady.empty();
}

std::chrono::milliseconds nextCycleDelay(int intervalS, int consecutiveFailures) {
  using std::chrono::milliseconds;
  const long long intervalMs = std::max(1, intervalS) * 1000LL;
  if (consecutiveFailures <= 0) return milliseconds(intervalMs);
  const long long firstMs = std::min(intervalMs, 30'000LL);
  const long long capMs = std::max(intervalMs, 900'000LL);
  const int doublings = std::min(consecutiveFailures - 1, 30);
  return milliseconds(std::min(capMs, firstMs << doublings));
}

}  // namespace evalbridge
