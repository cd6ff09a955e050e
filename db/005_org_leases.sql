-- Replicas sharing one ledger (PostgreSQL, ledger.url) split the orgs between them by leases
-- (sync/OrgLeases). An embedded SQLite ledger has a single writer and never uses these tables;
-- they exist in both engines so that a schema version means the same tables everywhere.

-- Each running replica, seen until its last heartbeat plus the lease TTL: the live replicas are
-- those whose seen_until is ahead of the database's clock; their count sets each one's fair share.
CREATE TABLE ledger_replicas (
  replica_id  TEXT PRIMARY KEY,
  started_at  TEXT NOT NULL,
  seen_until  BIGINT NOT NULL   -- milliseconds since the epoch, by the database's clock
);

-- One lease per org. token is the fencing token: it grows by one at every change of holder, so a
-- replica that lost the lease (its token is no longer the row's) can no longer write for the org.
-- expires_at is by the database's clock too: replicas never compare their own clocks.
CREATE TABLE org_leases (
  org_id      TEXT PRIMARY KEY,
  owner       TEXT NOT NULL,
  token       BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  acquired_at BIGINT NOT NULL
);
