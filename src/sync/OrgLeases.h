#pragma once
// Org leases for `run` replicas that share a PostgreSQL ledger (SPEC section 5). Every replica
// heartbeats into ledger_replicas and holds a fair share of the orgs -- ceil(orgs / live
// replicas) -- through org_leases rows (db/005_org_leases.sql). All times are the database's
// clock, so replicas never compare their own.
//
// - Take: an org with no lease, or whose lease expired, is taken by an upsert that bumps its
//   fencing token; only one replica's upsert can win.
// - Keep: every tick (a third of the TTL) renews each lease, but only with the token it was given.
//   Locally a lease counts only until its last renewal's start plus the TTL, so a replica that
//   cannot reach the database stops working an org before anyone else may take it.
// - Give up: a replica over its share (a replica joined) drains the surplus: it stops starting
//   work for those orgs at once, and releases each lease only when none of its work for the org is
//   still in flight, so the next holder never races a request this one already sent.
// - Fence (OrgFence): every ledger write for an org and every request to ServiceNow first checks
//   the lease and its token, in the write's transaction, locking the lease row until the commit.
//   A replica paused past its TTL (SIGSTOP, GC, partition) wakes to find its token superseded:
//   it writes nothing and sends nothing for that org.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ledger/OrgFence.h"

namespace evalbridge {

class Database;

struct LeaseChange {
  enum class Kind { Acquired, Lost, Released };
  std::string orgId;
  Kind kind;
  long long token = 0;
};
const char* toString(LeaseChange::Kind kind);

class OrgLeases : public OrgFence {
 public:
  // `busy(orgId)`: whether this replica still has work for the org in flight (a sync cycle, a
  // delivery); a drained lease is released only when it has none.
  OrgLeases(Database& db, std::vector<std::string> orgIds, std::string replicaId, int ttlS,
            std::function<bool(const std::string&)> busy);

  // One round: heartbeat, renew, release what is drained and idle, drain a surplus, take free
  // leases up to the fair share. Returns what changed. Throws LedgerError when the database
  // cannot be reached (the leases then lapse locally after the TTL).
  std::vector<LeaseChange> tick();
  // Held, not draining, and renewed within the TTL: work for the org may start.
  bool holds(const std::string& orgId) const;
  std::vector<std::string> held() const;
  // The live replica with the smallest id runs the jobs that need doing once per ledger (retention).
  bool leader() const;
  int liveReplicas() const;
  // A clean stop: every lease and the heartbeat go at once, so other replicas take over without
  // waiting out the TTL. Call when no work is in flight any more.
  void releaseAll();

  LeaseToken current(const std::string& orgId) const override;
  void check(Database& db, const std::string& orgId, Purpose purpose, LeaseToken begunUnder) override;

  const std::string& replicaId() const { return replicaId_; }
  std::chrono::milliseconds renewInterval() const { return std::chrono::milliseconds(ttlMs_ / 3); }

 private:
  struct Lease {
    long long token = 0;
    std::chrono::steady_clock::time_point validUntil;  // local: last renewal's start + TTL
    bool draining = false;
  };
  bool locallyValid(const Lease& lease) const;
  void renew(std::vector<LeaseChange>& changes, std::chrono::steady_clock::time_point started);
  void releaseDrained(std::vector<LeaseChange>& changes);
  void releaseInDatabase(const std::string& orgId, long long token);
  void rebalance(std::vector<LeaseChange>& changes, std::chrono::steady_clock::time_point started);

  Database& db_;
  std::vector<std::string> orgIds_;  // in this replica's order of preference (rotated by its id)
  std::string replicaId_;
  long long ttlMs_;
  std::function<bool(const std::string&)> busy_;

  mutable std::mutex mutex_;  // taken after the database's mutex, never before
  std::map<std::string, Lease> leases_;
  bool leader_ = false;
  int live_ = 1;
};

// "<host>-<pid>-<random>": unique per process, readable in logs and in org_leases.owner.
std::string defaultReplicaId();

}  // namespace evalbridge
