-- PostgreSQL form of db/005_org_leases.sql (identical SQL; comments there).

CREATE TABLE ledger_replicas (
  replica_id  TEXT PRIMARY KEY,
  started_at  TEXT NOT NULL,
  seen_until  BIGINT NOT NULL   -- milliseconds since the epoch, by the database's clock
);

CREATE TABLE org_leases (
  org_id      TEXT PRIMARY KEY,
  owner       TEXT NOT NULL,
  token       BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  acquired_at BIGINT NOT NULL
);
