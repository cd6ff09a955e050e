-- The ledger: one row per (org, evaluation) ever exported, whatever became of it.
-- status:  pending  = intent committed, outcome not yet known (operation says create or update)
--          created  = an incident exists (sys_id known), content as last delivered
--          updated  = an incident exists and was updated after a rescore
--          skipped  = the mapping did not match (skip_reason says why)
--          dead     = could not be delivered (last_error says why); raw_json kept for replay
CREATE TABLE evaluations (
  org_id              TEXT NOT NULL,
  evaluation_id       TEXT NOT NULL,
  org_name            TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('pending', 'created', 'updated', 'skipped', 'dead')),
  operation           TEXT CHECK (operation IS NULL OR operation IN ('create', 'update')),
  correlation_id      TEXT NOT NULL UNIQUE,
  changed_date        TEXT,
  content_hash        TEXT NOT NULL,
  fields_json         TEXT,
  previous_fields_json TEXT,
  raw_json            TEXT,
  skip_reason         TEXT,
  sys_id              TEXT,
  incident_number     TEXT,
  incident_state      TEXT,
  incident_updated_on TEXT,
  incident_mod_count  INTEGER,
  assignment_group    TEXT,
  close_code          TEXT,
  close_notes         TEXT,
  attempts            INTEGER NOT NULL DEFAULT 0,
  last_error          TEXT,
  first_seen_at       TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  PRIMARY KEY (org_id, evaluation_id)
);
CREATE INDEX evaluations_by_status ON evaluations (status, org_id);
CREATE INDEX evaluations_by_sys_id ON evaluations (sys_id);

-- Per org: the end of the last window whose evaluations were all settled (none pending).
CREATE TABLE checkpoints (
  org_id     TEXT PRIMARY KEY,
  org_name   TEXT NOT NULL,
  window_end TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- What happened to each record, in order (ledger show prints it).
CREATE TABLE history (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id        TEXT NOT NULL,
  evaluation_id TEXT NOT NULL,
  at            TEXT NOT NULL,
  event         TEXT NOT NULL,
  detail        TEXT
);
CREATE INDEX history_by_record ON history (org_id, evaluation_id, id);
