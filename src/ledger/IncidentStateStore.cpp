#include "ledger/IncidentStateStore.h"

#include "ledger/Database.h"
#include "ledger/IncidentStates.h"
#include "ledger/Ledger.h"
#include "ledger/Statement.h"
#include "ledger/Transaction.h"

namespace evalbridge {
namespace {

struct KnownIncident {
  std::string orgId;
  std::string evaluationId;
  std::string orgName;
  std::string sysId;
  std::string state;
  std::string updatedOn;
  std::optional<std::int64_t> modCount;
};

std::optional<KnownIncident> findByCorrelation(Database& db, const std::string& correlationId) {
  Statement query(db,
                  "SELECT org_id, evaluation_id, org_name, COALESCE(sys_id,''), COALESCE(incident_state,''),"
                  " COALESCE(incident_updated_on,''), incident_mod_count FROM evaluations WHERE correlation_id=?");
  query.bind(1, correlationId);
  if (!query.step()) return std::nullopt;
  return KnownIncident{query.text(0), query.text(1), query.text(2), query.text(3),
                       query.text(4), query.text(5), query.optionalInteger(6)};
}

// <0 older than the ledger, 0 the same version, >0 newer. The mod count counts every change, so
// it decides when both sides have it; sys_updated_on has one-second resolution.
int compareVersions(const IncidentStateUpdate& update, const KnownIncident& known) {
  if (update.modCount && known.modCount) {
    if (*update.modCount == *known.modCount) return 0;
    return *update.modCount < *known.modCount ? -1 : 1;
  }
  if (known.updatedOn.empty()) return 1;
  return update.updatedOn.compare(known.updatedOn);  // same fixed-width format: text order is time order
}

std::optional<std::string> nonEmpty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

const char* toString(StateOutcome outcome) {
  switch (outcome) {
    case StateOutcome::Applied: return "applied";
    case StateOutcome::Duplicate: return "duplicate";
    case StateOutcome::OutOfOrder: return "out-of-order";
    case StateOutcome::Replayed: return "replayed";
    case StateOutcome::Unknown: return "unknown";
  }
  return "unknown";
}

IncidentStateStore::IncidentStateStore(Ledger& ledger) : ledger_(ledger) {}

namespace {

// Whether `update` changes nothing in the ledger (the incident is unknown, another one, or not
// newer than the ledger's); `result` then says which, else it carries what is known of the
// record and the update is to be applied.
bool changesNothing(const IncidentStateUpdate& update, const std::optional<KnownIncident>& known,
                    StateResult& result) {
  if (!known || known->sysId.empty()) {
    result.outcome = StateOutcome::Unknown;
    result.detail = known ? "the ledger has no incident for it yet" : "no ledger record carries this correlation_id";
    return true;
  }
  result.orgId = known->orgId;
  result.orgName = known->orgName;
  result.evaluationId = known->evaluationId;
  result.previousState = known->state;
  if (!update.sysId.empty() && update.sysId != known->sysId) {
    result.outcome = StateOutcome::Unknown;
    result.detail = "sys_id " + update.sysId + " is not the ledger's incident (" + known->sysId + ")";
    return true;
  }
  const int order = compareVersions(update, *known);
  if (order <= 0) {
    result.outcome = order == 0 ? StateOutcome::Duplicate : StateOutcome::OutOfOrder;
    result.detail = "ledger has mod count " + (known->modCount ? std::to_string(*known->modCount) : std::string("?")) +
                    " of " + known->updatedOn;
    return true;
  }
  return false;
}

}  // namespace

StateResult IncidentStateStore::apply(const IncidentStateUpdate& update, const std::string& source,
                                      const std::optional<WebhookDelivery>& delivery) {
  Database& db = ledger_.database();
  if (!delivery) {
    // Most of what a poll reads the ledger has already (each incident it created comes back as it
    // was created): one read settles those, without taking the write lock.
    StateResult settled;
    if (changesNothing(update, findByCorrelation(db, update.correlationId), settled)) return settled;
  }
  Transaction transaction(db);
  StateResult result;
  if (delivery) {
    Statement purge(db, "DELETE FROM webhook_deliveries WHERE received_at < ?");
    purge.bind(1, delivery->receivedAt - delivery->forgetAfterS).run();
    Statement seen(db, "INSERT INTO webhook_deliveries (signature, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING");
    seen.bind(1, delivery->signature).bind(2, delivery->receivedAt).run();
    if (db.changes() == 0) {
      result.outcome = StateOutcome::Replayed;
      result.detail = "this signed delivery was received before";
      return result;  // rolled back: nothing changes
    }
  }

  // Read again inside the transaction: the ledger may have changed since the read above.
  const std::optional<KnownIncident> known = findByCorrelation(db, update.correlationId);
  if (changesNothing(update, known, result)) {
    transaction.commit();  // keeps a delivery's signature: a replay of it is still refused
    return result;
  }

  Statement write(db,
                  "UPDATE evaluations SET incident_number=COALESCE(?, incident_number), incident_state=?,"
                  " incident_updated_on=?, incident_mod_count=COALESCE(?, incident_mod_count),"
                  " assignment_group=CASE WHEN ?5 THEN ?6 ELSE assignment_group END,"
                  " close_code=CASE WHEN ?7 THEN ?8 ELSE close_code END,"
                  " close_notes=CASE WHEN ?9 THEN ?10 ELSE close_notes END, updated_at=?11"
                  " WHERE org_id=?12 AND evaluation_id=?13");
  write.bind(1, nonEmpty(update.number)).bind(2, update.state).bind(3, update.updatedOn).bind(4, update.modCount);
  write.bind(5, update.assignmentGroup ? 1 : 0).bind(6, update.assignmentGroup.value_or(""));
  write.bind(7, update.closeCode ? 1 : 0).bind(8, update.closeCode.value_or(""));
  write.bind(9, update.closeNotes ? 1 : 0).bind(10, update.closeNotes.value_or(""));
  write.bind(11, utcNowIso()).bind(12, known->orgId).bind(13, known->evaluationId).run();
  std::string detail = (update.number.empty() ? std::string("incident") : update.number) + " " +
                       incidentStateName(known->state) + " -> " + incidentStateName(update.state) + " (mod count " +
                       (update.modCount ? std::to_string(*update.modCount) : std::string("?")) + ", " +
                       update.updatedOn + ")";
  if (update.closeCode && !update.closeCode->empty()) detail += ", close code " + *update.closeCode;
  ledger_.addHistory(known->orgId, known->evaluationId, "state-" + source, detail);
  transaction.commit();
  result.outcome = StateOutcome::Applied;
  result.detail = detail;
  return result;
}

std::optional<PollCursor> IncidentStateStore::pollCursor(const std::string& table) const {
  Database& db = ledger_.database();
  Statement query(db, "SELECT updated_on, sys_id FROM incident_poll_cursor WHERE table_name=?");
  query.bind(1, table);
  if (!query.step()) return std::nullopt;
  return PollCursor{query.text(0), query.text(1)};
}

void IncidentStateStore::savePollCursor(const std::string& table, const PollCursor& cursor) {
  Database& db = ledger_.database();
  Transaction transaction(db);
  Statement upsert(db,
                   "INSERT INTO incident_poll_cursor (table_name, updated_on, sys_id, updated_at) VALUES (?,?,?,?)"
                   " ON CONFLICT(table_name) DO UPDATE SET updated_on=excluded.updated_on, sys_id=excluded.sys_id,"
                   " updated_at=excluded.updated_at");
  upsert.bind(1, table).bind(2, cursor.updatedOn).bind(3, cursor.sysId).bind(4, utcNowIso()).run();
  transaction.commit();
}

std::vector<WriteBackDue> IncidentStateStore::dueWriteBacks(const std::string& orgId, const std::string& datatableId,
                                                            int limit) const {
  Database& db = ledger_.database();
  // Rows that failed before go last, so one bad row cannot starve the others.
  Statement query(db,
                  "SELECT e.org_id, e.evaluation_id, e.sys_id, e.incident_number, COALESCE(e.incident_state,''),"
                  " COALESCE(w.attempts, 0), w.written_at IS NOT NULL FROM evaluations e"
                  " LEFT JOIN writeback_rows w ON w.org_id=e.org_id AND w.evaluation_id=e.evaluation_id"
                  " AND w.datatable_id=?2"
                  " WHERE e.org_id=?1 AND e.sys_id IS NOT NULL AND e.sys_id<>'' AND e.incident_number IS NOT NULL"
                  " AND (w.org_id IS NULL OR w.written_number IS DISTINCT FROM e.incident_number"
                  " OR w.written_state IS DISTINCT FROM COALESCE(e.incident_state,''))"
                  " ORDER BY COALESCE(w.attempts, 0), e.evaluation_id LIMIT ?3");
  query.bind(1, orgId).bind(2, datatableId).bind(3, limit);
  std::vector<WriteBackDue> due;
  while (query.step())
    due.push_back({query.text(0), query.text(1), query.text(2), query.text(3), query.text(4),
                   static_cast<int>(query.integer(5)), query.integer(6) != 0});
  return due;
}

void IncidentStateStore::markWrittenBack(const WriteBackDue& row, const std::string& datatableId) {
  Database& db = ledger_.database();
  Transaction transaction(db);
  Statement upsert(db,
                   "INSERT INTO writeback_rows (org_id, evaluation_id, datatable_id, written_number, written_state,"
                   " written_at, attempts, last_error) VALUES (?1,?2,?3,?4,?5,?6,0,NULL)"
                   " ON CONFLICT(org_id, evaluation_id, datatable_id) DO UPDATE SET written_number=?4,"
                   " written_state=?5, written_at=?6, attempts=0, last_error=NULL");
  upsert.bind(1, row.orgId).bind(2, row.evaluationId).bind(3, datatableId).bind(4, row.number);
  upsert.bind(5, row.state).bind(6, utcNowIso()).run();
  ledger_.addHistory(row.orgId, row.evaluationId, "write-back",
                     "data table " + datatableId + ": " + row.number + " " + incidentStateName(row.state));
  transaction.commit();
}

void IncidentStateStore::markWriteBackFailed(const WriteBackDue& row, const std::string& datatableId,
                                             const std::string& error) {
  Database& db = ledger_.database();
  Transaction transaction(db);
  Statement upsert(db,
                   "INSERT INTO writeback_rows (org_id, evaluation_id, datatable_id, attempts, last_error)"
                   " VALUES (?1,?2,?3,1,?4) ON CONFLICT(org_id, evaluation_id, datatable_id) DO UPDATE SET"
                   " attempts=writeback_rows.attempts+1, last_error=?4");
  upsert.bind(1, row.orgId).bind(2, row.evaluationId).bind(3, datatableId).bind(4, error).run();
  transaction.commit();
}

std::map<std::string, std::map<std::string, long long>> IncidentStateStore::incidentStateCounts() const {
  Database& db = ledger_.database();
  Statement query(db,
                  "SELECT org_id, COALESCE(incident_state,''), COUNT(*) FROM evaluations"
                  " WHERE sys_id IS NOT NULL AND sys_id<>'' GROUP BY org_id, incident_state");
  std::map<std::string, std::map<std::string, long long>> counts;
  while (query.step()) counts[query.text(0)][query.text(1)] += query.integer(2);
  return counts;
}

}  // namespace evalbridge
