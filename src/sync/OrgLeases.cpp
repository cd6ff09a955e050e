#include "sync/OrgLeases.h"

#include <Poco/Environment.h>
#include <Poco/Logger.h>
#include <Poco/Random.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "ledger/Database.h"
#include "ledger/Ledger.h"
#include "ledger/Statement.h"
#include "ledger/Transaction.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.leases"); }

// The database's clock in milliseconds: the one clock all replicas share.
const std::string kNowMs = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

using Clock = std::chrono::steady_clock;

}  // namespace

const char* toString(LeaseChange::Kind kind) {
  switch (kind) {
    case LeaseChange::Kind::Acquired: return "acquired";
    case LeaseChange::Kind::Lost: return "lost";
    case LeaseChange::Kind::Released: return "released";
  }
  return "?";
}

std::string defaultReplicaId() {
  Poco::Random random;
  random.seed();
  return Poco::Environment::nodeName() + "-" + std::to_string(::getpid()) + "-" + std::to_string(random.next(1000000));
}

OrgLeases::OrgLeases(Database& db, std::vector<std::string> orgIds, std::string replicaId, int ttlS,
                     std::function<bool(const std::string&)> busy)
    : db_(db), orgIds_(std::move(orgIds)), replicaId_(std::move(replicaId)), ttlMs_(ttlS * 1000LL),
      busy_(std::move(busy)) {
  // Each replica tries the orgs from a different starting point, so replicas starting together
  // do not all contend for the same first orgs.
  if (!orgIds_.empty()) {
    const std::size_t offset = std::hash<std::string>{}(replicaId_) % orgIds_.size();
    std::rotate(orgIds_.begin(), orgIds_.begin() + static_cast<std::ptrdiff_t>(offset), orgIds_.end());
  }
}

bool OrgLeases::locallyValid(const Lease& lease) const { return Clock::now() < lease.validUntil; }

bool OrgLeases::holds(const std::string& orgId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = leases_.find(orgId);
  return found != leases_.end() && !found->second.draining && locallyValid(found->second);
}

std::vector<std::string> OrgLeases::held() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> orgs;
  for (const auto& [org, lease] : leases_)
    if (!lease.draining && locallyValid(lease)) orgs.push_back(org);
  return orgs;
}

bool OrgLeases::leader() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return leader_;
}

int OrgLeases::liveReplicas() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return live_;
}

std::vector<LeaseChange> OrgLeases::tick() {
  const Clock::time_point started = Clock::now();
  std::vector<LeaseChange> changes;
  std::lock_guard<std::recursive_mutex> dbLock(db_.mutex());
  {
    Statement beat(db_, "INSERT INTO ledger_replicas (replica_id, started_at, seen_until) VALUES (?1, ?2, " + kNowMs +
                            " + ?3) ON CONFLICT (replica_id) DO UPDATE SET seen_until = excluded.seen_until");
    beat.bind(1, replicaId_).bind(2, utcNowIso()).bind(3, static_cast<std::int64_t>(ttlMs_)).run();
  }
  renew(changes, started);
  releaseDrained(changes);
  rebalance(changes, started);
  return changes;
}

void OrgLeases::renew(std::vector<LeaseChange>& changes, Clock::time_point started) {
  std::map<std::string, Lease> leases;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    leases = leases_;
  }
  for (const auto& [org, lease] : leases) {
    Statement renewal(db_, "UPDATE org_leases SET expires_at = " + kNowMs + " + ?1 WHERE org_id = ?2 AND owner = ?3"
                           " AND token = ?4 AND expires_at > " + kNowMs);
    renewal.bind(1, static_cast<std::int64_t>(ttlMs_)).bind(2, org).bind(3, replicaId_);
    renewal.bind(4, static_cast<std::int64_t>(lease.token)).run();
    const bool kept = db_.changes() == 1;
    std::lock_guard<std::mutex> lock(mutex_);
    if (kept) {
      leases_[org].validUntil = started + std::chrono::milliseconds(ttlMs_);
    } else {
      leases_.erase(org);
      changes.push_back({org, LeaseChange::Kind::Lost, lease.token});
      logger().warning("org %s: lease lost (token %s expired or was taken over); its work stops here", org,
                       std::to_string(lease.token));
    }
  }
}

// Expired now, so the next replica to look takes it (and bumps the token); only with our token.
void OrgLeases::releaseInDatabase(const std::string& orgId, long long token) {
  Statement release(db_, "UPDATE org_leases SET expires_at = 0 WHERE org_id = ?1 AND owner = ?2 AND token = ?3");
  release.bind(1, orgId).bind(2, replicaId_).bind(3, static_cast<std::int64_t>(token)).run();
}

void OrgLeases::releaseDrained(std::vector<LeaseChange>& changes) {
  std::vector<std::pair<std::string, long long>> idle;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [org, lease] : leases_)
      if (lease.draining) idle.emplace_back(org, lease.token);
  }
  for (const auto& [org, token] : idle) {
    if (busy_ && busy_(org)) continue;  // a cycle or a delivery still runs: next tick
    releaseInDatabase(org, token);
    std::lock_guard<std::mutex> lock(mutex_);
    leases_.erase(org);
    changes.push_back({org, LeaseChange::Kind::Released, token});
    logger().information("org %s: lease released for rebalancing (token %s)", org, std::to_string(token));
  }
}

void OrgLeases::rebalance(std::vector<LeaseChange>& changes, Clock::time_point started) {
  std::vector<std::string> live;
  {
    Statement query(db_, "SELECT replica_id FROM ledger_replicas WHERE seen_until > " + kNowMs + " ORDER BY replica_id");
    while (query.step()) live.push_back(query.text(0));
  }
  if (std::find(live.begin(), live.end(), replicaId_) == live.end()) live.push_back(replicaId_);
  const std::size_t replicas = live.size();
  const std::size_t share = (orgIds_.size() + replicas - 1) / replicas;

  std::size_t holding = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    live_ = static_cast<int>(replicas);
    leader_ = *std::min_element(live.begin(), live.end()) == replicaId_;
    for (const auto& [org, lease] : leases_) holding += lease.draining ? 0 : 1;
    // Over the share (a replica joined): drain the surplus, last preferred first.
    for (auto org = orgIds_.rbegin(); org != orgIds_.rend() && holding > share; ++org) {
      auto found = leases_.find(*org);
      if (found == leases_.end() || found->second.draining) continue;
      found->second.draining = true;
      --holding;
      logger().information("org %s: draining for rebalancing (%z live replicas, share %z)", *org, replicas, share);
    }
  }
  for (const std::string& org : orgIds_) {
    if (holding >= share) break;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (leases_.count(org)) continue;
    }
    Statement take(db_, "INSERT INTO org_leases (org_id, owner, token, expires_at, acquired_at)"
                        " VALUES (?1, ?2, 1, " + kNowMs + " + ?3, " + kNowMs + ")"
                        " ON CONFLICT (org_id) DO UPDATE SET owner = excluded.owner, token = org_leases.token + 1,"
                        " expires_at = excluded.expires_at, acquired_at = excluded.acquired_at"
                        " WHERE org_leases.expires_at <= " + kNowMs + " RETURNING token");
    take.bind(1, org).bind(2, replicaId_).bind(3, static_cast<std::int64_t>(ttlMs_));
    if (!take.step()) continue;  // held by a live replica
    const long long token = take.integer(0);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      leases_[org] = Lease{token, started + std::chrono::milliseconds(ttlMs_), false};
    }
    ++holding;
    changes.push_back({org, LeaseChange::Kind::Acquired, token});
    logger().information("org %s: lease acquired (token %s; %z live replicas, share %z)", org, std::to_string(token),
                         replicas, share);
  }
}

void OrgLeases::releaseAll() {
  std::lock_guard<std::recursive_mutex> dbLock(db_.mutex());
  std::map<std::string, Lease> leases;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    leases.swap(leases_);
  }
  for (const auto& [org, lease] : leases) {
    releaseInDatabase(org, lease.token);
  }
  Statement gone(db_, "DELETE FROM ledger_replicas WHERE replica_id = ?1");
  gone.bind(1, replicaId_).run();
  if (!leases.empty()) logger().information("released %z lease(s) at shutdown", leases.size());
}

LeaseToken OrgLeases::current(const std::string& orgId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = leases_.find(orgId);
  return found != leases_.end() && locallyValid(found->second) ? found->second.token : kNoLease;
}

void OrgLeases::check(Database& db, const std::string& orgId, Purpose purpose, LeaseToken begunUnder) {
  long long token = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = leases_.find(orgId);
    if (found == leases_.end() || !locallyValid(found->second))
      throw LeaseLost("org " + orgId + ": replica " + replicaId_ + " does not hold its lease");
    if (purpose == Purpose::Request && found->second.draining)
      throw LeaseLost("org " + orgId + ": replica " + replicaId_ + " is handing it over to another replica");
    token = found->second.token;
    if (begunUnder != kAnyLease && begunUnder != token) {
      const std::string begun = begunUnder == kNoLease
                                    ? "but did not hold it when this work began"
                                    : "not token " + std::to_string(begunUnder) + " that this work began under";
      throw LeaseLost("org " + orgId + ": replica " + replicaId_ + " holds it under token " + std::to_string(token) +
                      ", " + begun + "; another replica may have done it meanwhile");
    }
  }
  // FOR SHARE: a takeover's UPDATE of this row waits until the caller's transaction ends.
  Statement query(db, "SELECT token FROM org_leases WHERE org_id = ?1 AND owner = ?2 AND token = ?3"
                      " AND expires_at > " + kNowMs + " FOR SHARE");
  query.bind(1, orgId).bind(2, replicaId_).bind(3, static_cast<std::int64_t>(token));
  if (query.step()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = leases_.find(orgId);
    if (found != leases_.end() && found->second.token == token) leases_.erase(found);
  }
  throw LeaseLost("org " + orgId + ": replica " + replicaId_ + " lost its lease (token " + std::to_string(token) +
                  " expired or was taken over)");
}

}  // namespace evalbridge
