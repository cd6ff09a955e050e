-- PostgreSQL form of db/003_retention.sql (identical SQL; comments there).

CREATE TABLE pruned_records (
  org_id              TEXT NOT NULL,
  evaluation_id       TEXT NOT NULL,
  org_name            TEXT NOT NULL,
  status              TEXT NOT NULL,
  correlation_id      TEXT NOT NULL,
  changed_date        TEXT,
  content_hash        TEXT NOT NULL,
  sys_id              TEXT,
  incident_number     TEXT,
  incident_state      TEXT,
  incident_updated_on TEXT,
  incident_mod_count  INTEGER,
  attempts            INTEGER NOT NULL DEFAULT 0,
  first_seen_at       TEXT NOT NULL,
  pruned_at           TEXT NOT NULL,
  PRIMARY KEY (org_id, evaluation_id)
);

CREATE INDEX evaluations_by_status_age ON evaluations (status, updated_at);
CREATE INDEX history_by_at ON history (at);
