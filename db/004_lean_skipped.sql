-- Lean skipped records. Most exported evaluations do not match the mapping (a QA team raises
-- incidents for the few that fail), and a full evaluations row per skip (ids as text, a
-- correlation_id with its unique index, a content hash, the skip reason with the evaluation's own
-- values, four timestamps, a history row) cost about 1.2 KB each. A skip needs only what dedup
-- and rescore detection read: the key, the changedDate, and why (a short code into skip_reasons:
-- the reason as the mapping states it without the evaluation's values, so a few texts serve
-- millions of rows). The correlation_id is derived ('evalbridge:' || org_id || ':' ||
-- evaluation_id), the content hash is the constant 'skipped', and skips write no history.
--
-- Only a skip that never reached ServiceNow lives here: no incident, no attempt, the plain
-- correlation_id. Anything else keeps its full row in evaluations (a pending create that stopped
-- matching after a POST was attempted keeps its attempts, so a later match looks it up first).

CREATE TABLE ledger_orgs (
  org_key  INTEGER PRIMARY KEY,
  org_id   TEXT NOT NULL UNIQUE,
  org_name TEXT NOT NULL
);

CREATE TABLE skip_reasons (
  reason_key INTEGER PRIMARY KEY,
  text       TEXT NOT NULL UNIQUE
);

-- Times are Unix seconds (the ledger's text times have second resolution, so nothing is lost).
CREATE TABLE skipped_records (
  org_key       INTEGER NOT NULL REFERENCES ledger_orgs (org_key),
  evaluation_id TEXT NOT NULL,
  changed_at    INTEGER,            -- the evaluation's changedDate; NULL when it had none
  reason_key    INTEGER NOT NULL REFERENCES skip_reasons (reason_key),
  first_seen    INTEGER NOT NULL,
  updated       INTEGER NOT NULL,   -- last change the ledger recorded (retention reads it)
  PRIMARY KEY (org_key, evaluation_id)
) WITHOUT ROWID;

-- Every record, whichever table holds it, in the columns of evaluations. Readers (find, list,
-- stats, ledger show) read this; writers write the table that holds the record.
CREATE VIEW ledger_records AS
SELECT org_id, evaluation_id, org_name, status, operation, correlation_id, changed_date, content_hash,
       fields_json, previous_fields_json, raw_json, skip_reason, sys_id, incident_number, incident_state,
       incident_updated_on, incident_mod_count, assignment_group, close_code, close_notes, attempts,
       last_error, first_seen_at, updated_at
  FROM evaluations
UNION ALL
SELECT o.org_id, s.evaluation_id, o.org_name, 'skipped', NULL, 'evalbridge:' || o.org_id || ':' || s.evaluation_id,
       strftime('%Y-%m-%dT%H:%M:%SZ', s.changed_at, 'unixepoch'), 'skipped',
       NULL, NULL, NULL, r.text, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, 0,
       NULL, strftime('%Y-%m-%dT%H:%M:%SZ', s.first_seen, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%SZ', s.updated, 'unixepoch')
  FROM skipped_records s
  JOIN ledger_orgs o ON o.org_key = s.org_key
  JOIN skip_reasons r ON r.reason_key = s.reason_key;

-- Existing skips that qualify move over (their history rows stay, ledger show still prints them).
-- A time qualifies when it is in the ledger's own form, so it comes back as the same text.
CREATE TEMP TABLE lean_candidates AS
SELECT org_id, evaluation_id, org_name, changed_date, COALESCE(skip_reason, '') AS reason, first_seen_at, updated_at
  FROM evaluations
 WHERE status = 'skipped' AND content_hash = 'skipped' AND attempts = 0
   AND correlation_id = 'evalbridge:' || org_id || ':' || evaluation_id
   AND COALESCE(sys_id, '') = '' AND incident_number IS NULL AND incident_state IS NULL
   AND incident_updated_on IS NULL AND incident_mod_count IS NULL AND assignment_group IS NULL
   AND close_code IS NULL AND close_notes IS NULL AND last_error IS NULL AND operation IS NULL
   AND fields_json IS NULL AND previous_fields_json IS NULL AND raw_json IS NULL
   AND (changed_date IS NULL OR strftime('%Y-%m-%dT%H:%M:%SZ', changed_date) = changed_date)
   AND strftime('%Y-%m-%dT%H:%M:%SZ', first_seen_at) = first_seen_at
   AND strftime('%Y-%m-%dT%H:%M:%SZ', updated_at) = updated_at;

INSERT OR IGNORE INTO ledger_orgs (org_id, org_name) SELECT org_id, MAX(org_name) FROM lean_candidates GROUP BY org_id;
INSERT OR IGNORE INTO skip_reasons (text) SELECT DISTINCT reason FROM lean_candidates;
INSERT INTO skipped_records (org_key, evaluation_id, changed_at, reason_key, first_seen, updated)
SELECT o.org_key, c.evaluation_id, CAST(strftime('%s', c.changed_date) AS INTEGER), r.reason_key,
       CAST(strftime('%s', c.first_seen_at) AS INTEGER), CAST(strftime('%s', c.updated_at) AS INTEGER)
  FROM lean_candidates c
  JOIN ledger_orgs o ON o.org_id = c.org_id
  JOIN skip_reasons r ON r.text = c.reason;
DELETE FROM evaluations WHERE (org_id, evaluation_id) IN (SELECT org_id, evaluation_id FROM lean_candidates);
DROP TABLE lean_candidates;
