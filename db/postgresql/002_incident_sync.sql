-- PostgreSQL form of db/002_incident_sync.sql (identical SQL; comments there).

CREATE TABLE incident_poll_cursor (
  table_name  TEXT PRIMARY KEY,
  updated_on  TEXT NOT NULL,
  sys_id      TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE writeback_rows (
  org_id          TEXT NOT NULL,
  evaluation_id   TEXT NOT NULL,
  datatable_id    TEXT NOT NULL,
  written_number  TEXT,
  written_state   TEXT,
  written_at      TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  PRIMARY KEY (org_id, evaluation_id, datatable_id)
);

CREATE TABLE webhook_deliveries (
  signature   TEXT PRIMARY KEY,
  received_at BIGINT NOT NULL
);
