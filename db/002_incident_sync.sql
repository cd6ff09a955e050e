-- Incident state coming back from ServiceNow (SPEC section 7) and going on to Genesys (write-back).
-- The state itself lives in the evaluations rows (incident_state, incident_updated_on,
-- incident_mod_count, assignment_group, close_code, close_notes); these tables hold what the sync
-- needs around it.

-- Where the polling fallback stopped, per ServiceNow table: the last sys_updated_on read and the
-- last sys_id in that second. The next poll reads that whole second again (an update can land in
-- a second already read) and de-duplicates by sys_mod_count.
CREATE TABLE incident_poll_cursor (
  table_name  TEXT PRIMARY KEY,
  updated_on  TEXT NOT NULL,
  sys_id      TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

-- Write-back outbox: what each evaluation's Genesys data table row last received. A ledger row
-- whose incident number or state differs from written_number/written_state is due (again); the
-- PUT is idempotent, so a crash between the PUT and this row only repeats it.
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

-- Signatures of webhook deliveries accepted in the last minutes: the same signed request sent
-- again inside the timestamp window is a replay and is refused (409). Old rows are purged.
CREATE TABLE webhook_deliveries (
  signature   TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL
);
