-- Retention (ledger.retention, `ledger prune`, the daily prune of `run`).

-- Tombstones: what is left of a pruned record that had an incident, or whose create may have
-- reached ServiceNow (attempts > 0). If its evaluation is exported again (a re-sync from an old
-- start, a rescore), the ledger restores the record from here before deciding anything, so the
-- decision is the one it would have made had the record never been pruned: unchanged means
-- nothing to do, changed means an update of this incident (or a follow-up), never a second
-- create. A tombstone is a few hundred bytes (no fields, no raw record, no history) and is kept
-- as long as the ledger: an evaluation may come back at any time.
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

-- The prune reads old rows by (status, age) and old history by time, batch by batch; without
-- these each batch would scan the whole table again.
CREATE INDEX evaluations_by_status_age ON evaluations (status, updated_at);
CREATE INDEX history_by_at ON history (at);
