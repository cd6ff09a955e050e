#include "ledger/Ledger.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DigestEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <sstream>

#include "common/Errors.h"
#include "ledger/Database.h"
#include "ledger/GroupCommit.h"
#include "ledger/IncidentStates.h"
#include "ledger/Migrations.h"
#include "ledger/OrgFence.h"
#include "ledger/SkippedRecords.h"
#include "ledger/Statement.h"
#include "ledger/Transaction.h"

namespace evalbridge {
namespace {

// The columns readRecord reads, in its order; the raw text is the eleventh.
const char* kColumnsBeforeRaw =
    "org_id, evaluation_id, org_name, status, operation, correlation_id, changed_date, content_hash,"
    " fields_json, previous_fields_json, ";
const char* kColumnsAfterRaw =
    ", skip_reason, sys_id, incident_number, incident_state, incident_updated_on, incident_mod_count,"
    " assignment_group, close_code, close_notes, attempts, last_error, first_seen_at, updated_at";
const std::string kColumns = std::string(kColumnsBeforeRaw) + "raw_json" + kColumnsAfterRaw;
// The same without the raw text (several KB that delivery never sends): what a delivery reads.
const std::string kColumnsWithoutRaw = std::string(kColumnsBeforeRaw) + "NULL" + kColumnsAfterRaw;

// previous_fields_json for every statement that replaces or clears a record's fields, the one
// place that decides it:
// - a record delivered (created or updated) keeps what its incident has: its fields;
// - any other record with an incident keeps the fields it already kept (a pending update, or a
//   dead-lettered change: what the incident has);
// - a record with no incident yet whose create may have been posted keeps its fields as the
//   earlier intent's, "{}" when they are not known. That is any pending or dead record (a crash or
//   an uncertain answer, then a permanent one), and any with failed attempts (a record restored
//   from its tombstone). The next create then looks its correlation_id up first, and an incident
//   it adopts gets the current fields (IncidentSink::adoptedContent). A record dead from first
//   sight (unreadable) was never posted; it is marked all the same, which costs its first create
//   one lookup, because a row an older evalbridge left can look the same after a prune.
const std::string kEarlierIntentKept =
    " previous_fields_json=CASE"
    " WHEN status IN ('created', 'updated') THEN fields_json"
    " WHEN COALESCE(sys_id, '')<>'' THEN previous_fields_json"
    " WHEN status IN ('pending', 'dead') OR attempts>0 THEN COALESCE(previous_fields_json, fields_json, '{}')"
    " ELSE previous_fields_json END";

LedgerRecord readRecord(const Statement& row) {
  LedgerRecord record;
  record.orgId = row.text(0);
  record.evaluationId = row.text(1);
  record.orgName = row.text(2);
  record.status = recordStatusFromString(row.text(3));
  std::string operation = row.text(4);
  record.operation = operation == "create" ? Operation::Create
                     : operation == "update" ? Operation::Update
                                             : Operation::None;
  record.correlationId = row.text(5);
  record.changedDate = row.text(6);
  record.contentHash = row.text(7);
  record.fieldsJson = row.text(8);
  record.previousFieldsJson = row.text(9);
  record.rawJson = row.text(10);
  record.skipReason = row.text(11);
  record.incident.sysId = row.text(12);
  record.incident.number = row.text(13);
  record.incident.state = row.text(14);
  record.incident.updatedOn = row.text(15);
  record.incident.modCount = row.optionalInteger(16);
  record.assignmentGroup = row.text(17);
  record.closeCode = row.text(18);
  record.closeNotes = row.text(19);
  record.attempts = static_cast<int>(row.integer(20));
  record.lastError = row.text(21);
  record.firstSeenAt = row.text(22);
  record.updatedAt = row.text(23);
  return record;
}

std::optional<std::string> nonEmpty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

const char* toString(Decision decision) {
  switch (decision) {
    case Decision::Create: return "create";
    case Decision::Update: return "update";
    case Decision::Skip: return "skip";
    case Decision::Dead: return "dead";
    case Decision::Unchanged: return "unchanged";
    case Decision::Stale: return "stale";
    case Decision::StillDead: return "still-dead";
  }
  return "unknown";
}

std::string sha256Hex(const std::string& text) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(text);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string utcNowIso() {
  return Poco::DateTimeFormatter::format(Poco::DateTime(), "%Y-%m-%dT%H:%M:%SZ");
}

Ledger::Ledger(const std::string& location, const std::string& password)
    : db_(openDatabase(location, password)),
      location_(location),
      password_(password),
      outcomes_(std::make_unique<GroupCommit>(*db_)),
      skipped_(std::make_unique<SkippedRecords>(*db_)) {
  schemaVersion_ = applyMigrations(*db_);
}

Ledger::~Ledger() {
  // With a fence, the daemon flushes while it still holds its leases (the fence may be gone now).
  if (fence_ != nullptr) return;
  try {
    flushSkips();
  } catch (const std::exception&) {
    // Nothing is lost: no checkpoint passed these skips, so their windows are read again.
  }
}

namespace {

// Ends SkippedRecords' part of a transaction (its key caches and buffer) while the transaction
// still holds the connection.
struct SkipsEnded {
  SkippedRecords& skipped;
  bool committed = false;
  ~SkipsEnded() { skipped.transactionEnded(committed); }
};

}  // namespace

void Ledger::flushSkips() const {
  std::lock_guard<std::recursive_mutex> lock(db_->mutex());
  for (const std::string& orgId : skipped_->bufferedOrgs()) {
    Transaction transaction(*db_, Transaction::Durability::Relaxed);
    SkipsEnded ended{*skipped_};
    try {
      fenceWrite(orgId);
    } catch (const LeaseLost&) {
      leaseChanged(orgId);
    }
    skipped_->flush(orgId);
    transaction.commit();
    ended.committed = true;
  }
}

void Ledger::leaseChanged(const std::string& orgId) const {
  std::lock_guard<std::recursive_mutex> lock(db_->mutex());
  skipped_->discard(orgId);
  std::lock_guard<std::mutex> leases(leaseChangesMutex_);
  leaseChanged_.insert(orgId);
}

bool Ledger::leaseChangedDuringSweep(const std::string& orgId) const {
  // Asked before every create: not behind the connection's mutex, which a commit holds.
  std::lock_guard<std::mutex> leases(leaseChangesMutex_);
  return leaseChanged_.count(orgId) > 0;
}

void Ledger::beginSweep(const std::string& orgId) {
  std::lock_guard<std::mutex> leases(leaseChangesMutex_);
  leaseChanged_.erase(orgId);
}

const std::string& Ledger::path() const { return db_->path(); }
int Ledger::schemaVersion() const { return schemaVersion_; }

std::vector<Decision> Ledger::observe(const std::vector<Observation>& observations, SkipWrites skipWrites) {
  std::lock_guard<std::recursive_mutex> lock(db_->mutex());
  std::vector<Decision> decisions = observePage(observations, skipWrites);
  // A full buffer writes every org's rows, not only this page's: one org's long window must not
  // leave the others writing page by page. A failure leaves them buffered: the org's checkpoint
  // writes them, or fails and says why.
  if (skipped_->bufferedCount() > skipBufferRows_) {
    try {
      flushSkips();
    } catch (const std::exception& e) {
      Poco::Logger::get("evalbridge.ledger")
          .warning("writing %z buffered skipped evaluations failed (they stay buffered; each org's next checkpoint "
                   "writes its own or fails): %s",
                   skipped_->bufferedCount(), errorText(e));
    }
  }
  return decisions;
}

std::vector<Decision> Ledger::observePage(const std::vector<Observation>& observations, SkipWrites skipWrites) {
  std::vector<Decision> decisions;
  decisions.reserve(observations.size());
  Transaction transaction(*db_);
  SkipsEnded ended{*skipped_};
  std::vector<std::string> fencedOrgs;  // a page is one org's: check each org once
  std::set<std::string> unseen;
  for (std::size_t i = 0; i < observations.size(); ++i) {
    const Observation& observation = observations[i];
    if (fencedOrgs.empty() || observation.orgId != fencedOrgs.back()) {
      const std::string& orgId = observation.orgId;
      fenceWrite(orgId);
      fencedOrgs.push_back(orgId);
      // Most of an export is new to the ledger: one lookup for the org's run of the page
      // instead of a record read and a tombstone probe per evaluation.
      std::vector<std::string> ids;
      for (std::size_t j = i; j < observations.size() && observations[j].orgId == orgId; ++j)
        if (!skipped_->isBuffered(orgId, observations[j].evaluationId)) ids.push_back(observations[j].evaluationId);
      unseen = unseenOf(orgId, ids);
    }
    // A second sight on the same page finds the row the first one wrote.
    const bool firstSight = unseen.erase(observation.evaluationId) > 0;
    decisions.push_back(observeOne(observation, firstSight));
  }
  if (skipWrites == SkipWrites::WithPage)
    for (const std::string& orgId : fencedOrgs) skipped_->flush(orgId);
  transaction.commit();
  ended.committed = true;
  return decisions;
}

std::set<std::string> Ledger::unseenOf(const std::string& orgId, const std::vector<std::string>& evaluationIds) const {
  std::set<std::string> unseen(evaluationIds.begin(), evaluationIds.end());
  constexpr std::size_t kChunk = 500;  // well below either engine's limit on parameters
  for (std::size_t from = 0; from < evaluationIds.size(); from += kChunk) {
    const std::size_t count = std::min(kChunk, evaluationIds.size() - from);
    std::string list;
    for (std::size_t k = 0; k < count; ++k) list += (k ? ",(?" : "(?") + std::to_string(k + 2) + ")";
    // The tables, not the ledger_records view: the view would run its joins and text
    // conversions for each row it finds. The ids are listed once and each is probed in the three
    // tables in turn (an IN list per table made SQLite build three temporary indexes per page).
    Statement seen(*db_, "SELECT v.column1 FROM (VALUES " + list + ") v WHERE"
                             " EXISTS (SELECT 1 FROM evaluations e WHERE e.org_id=?1 AND e.evaluation_id=v.column1)"
                             " OR EXISTS (SELECT 1 FROM skipped_records s WHERE s.org_key=(SELECT org_key FROM"
                             " ledger_orgs WHERE org_id=?1) AND s.evaluation_id=v.column1)"
                             " OR EXISTS (SELECT 1 FROM pruned_records p WHERE p.org_id=?1 AND p.evaluation_id=v.column1)");
    seen.bind(1, orgId);
    for (std::size_t k = 0; k < count; ++k) seen.bind(static_cast<int>(k + 2), evaluationIds[from + k]);
    while (seen.step()) unseen.erase(seen.text(0));
  }
  return unseen;
}

Decision Ledger::observeOne(const Observation& in, bool unseen) {
  std::optional<LedgerRecord> existing;
  if (!unseen) {
    existing = find(in.orgId, in.evaluationId);
    if (!existing) existing = restorePruned(in);
  }

  // A skip that never reached ServiceNow needs only a lean row, and no history: a person asks
  // about incidents and failures, not about each evaluation that passed. Most evaluations end
  // here, before the clock and the content hash below.
  if (!existing && !in.matched && in.deadReason.empty()) {
    if (const auto changedAt = SkippedRecords::leanTime(in.changedDate, in.changedAt)) {
      skipped_->insert(in.orgId, in.orgName, in.evaluationId, *changedAt, in.skipReason);
      return Decision::Skip;
    }
  }
  const std::string now = utcNowIso();
  const std::string hash = in.matched ? sha256Hex(in.fieldsJson) : kSkippedContentHash;

  // ISO 8601 UTC timestamps of one format compare correctly as text.
  auto stale = [&in](const LedgerRecord& row) {
    return !in.changedDate.empty() && !row.changedDate.empty() && in.changedDate < row.changedDate;
  };

  if (!in.deadReason.empty()) {
    // Kept whole (raw record and reason) so nothing is lost; `ledger replay` re-reads it.
    const std::string rawHash = sha256Hex(in.rawJson);
    if (existing && existing->status == RecordStatus::Dead && existing->contentHash == rawHash)
      return Decision::StillDead;
    if (existing && stale(*existing)) return Decision::Stale;
    // A lean skip that now fails to map is a full (dead) record from here on.
    if (existing && existing->status == RecordStatus::Skipped && skipped_->remove(in.orgId, in.evaluationId))
      existing.reset();
    if (existing) return deadLetterChange(in, rawHash);
    Statement insert(*db_,
                     "INSERT INTO evaluations (org_id, evaluation_id, org_name, status, correlation_id, changed_date,"
                     " content_hash, raw_json, last_error, first_seen_at, updated_at) VALUES (?,?,?,'dead',?,?,?,?,?,?,?)");
    insert.bind(1, in.orgId).bind(2, in.evaluationId).bind(3, in.orgName);
    insert.bind(4, correlationIdFor(in.orgId, in.evaluationId)).bind(5, nonEmpty(in.changedDate));
    insert.bind(6, sha256Hex(in.rawJson)).bind(7, in.rawJson).bind(8, in.deadReason).bind(9, now).bind(10, now).run();
    addHistory(in.orgId, in.evaluationId, "dead", in.deadReason);
    return Decision::Dead;
  }

  // A lean skip that now matches (a rescore failed it) becomes a full record, first seen when it was.
  std::string firstSeen = now;
  if (existing && in.matched && existing->status == RecordStatus::Skipped && !stale(*existing) &&
      skipped_->remove(in.orgId, in.evaluationId)) {
    firstSeen = existing->firstSeenAt;
    existing.reset();
  }

  if (!existing) {
    Statement insert(*db_,
                     "INSERT INTO evaluations (org_id, evaluation_id, org_name, status, operation, correlation_id,"
                     " changed_date, content_hash, fields_json, raw_json, skip_reason, first_seen_at, updated_at)"
                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    insert.bind(1, in.orgId).bind(2, in.evaluationId).bind(3, in.orgName);
    insert.bind(4, in.matched ? "pending" : "skipped");
    insert.bind(5, in.matched ? std::optional<std::string>("create") : std::nullopt);
    insert.bind(6, correlationIdFor(in.orgId, in.evaluationId)).bind(7, nonEmpty(in.changedDate)).bind(8, hash);
    insert.bind(9, in.matched ? nonEmpty(in.fieldsJson) : std::nullopt);
    insert.bind(10, in.matched ? nonEmpty(in.rawJson) : std::nullopt);
    insert.bind(11, in.matched ? std::nullopt : nonEmpty(in.skipReason));
    insert.bind(12, firstSeen).bind(13, now).run();
    addHistory(in.orgId, in.evaluationId, in.matched ? "intent-create" : "skipped",
               in.matched ? "" : in.skipReason);
    return in.matched ? Decision::Create : Decision::Skip;
  }

  const LedgerRecord& row = *existing;
  if (stale(row)) return Decision::Stale;
  if (hash == row.contentHash) {
    if (row.status == RecordStatus::Dead) return Decision::StillDead;
    if (row.status == RecordStatus::Pending) return row.operation == Operation::Update ? Decision::Update : Decision::Create;
    return Decision::Unchanged;
  }

  const bool hasIncident = !row.incident.sysId.empty();
  if (!in.matched && !hasIncident) {
    // Still (or again) not matching and nothing was ever delivered: a skip with a fresh reason.
    // A pending (or dead) create that stops matching before it was delivered is dropped to
    // skipped. Its POST may have landed all the same: the fields it carried are kept as the
    // earlier intent's (kEarlierIntentKept), so a later match looks the correlation_id up first
    // and adopts that incident.
    Statement update(*db_,
                     "UPDATE evaluations SET status='skipped', operation=NULL, changed_date=?, content_hash=?," +
                         kEarlierIntentKept +
                         ", fields_json=NULL, raw_json=NULL, skip_reason=?, updated_at=?"
                         " WHERE org_id=? AND evaluation_id=?");
    update.bind(1, nonEmpty(in.changedDate)).bind(2, hash).bind(3, in.skipReason).bind(4, now);
    update.bind(5, in.orgId).bind(6, in.evaluationId).run();
    addHistory(in.orgId, in.evaluationId, "skipped", in.skipReason);
    return Decision::Skip;
  }

  if (hasIncident && in.matched && in.followUpAfterClose && isFinalIncidentState(row.incident.state))
    return recordFollowUp(in, row);

  // The content changed: a create if no incident is known yet, else an update of it. The fields
  // the incident has now are kept to say what changed in the work note; without an incident, an
  // earlier intent that may have been posted keeps its fields (kEarlierIntentKept says when).
  const Operation operation = hasIncident ? Operation::Update : Operation::Create;
  Statement update(*db_,
                   "UPDATE evaluations SET status='pending', operation=?, changed_date=?, content_hash=?," +
                       kEarlierIntentKept +
                       ", fields_json=?, raw_json=?, skip_reason=?, attempts=0, last_error=NULL,"
                       " updated_at=? WHERE org_id=? AND evaluation_id=?");
  update.bind(1, toString(operation)).bind(2, nonEmpty(in.changedDate)).bind(3, hash);
  update.bind(4, in.matched ? in.fieldsJson : std::string("{}"));
  update.bind(5, nonEmpty(in.rawJson)).bind(6, in.matched ? std::nullopt : nonEmpty(in.skipReason));
  update.bind(7, now).bind(8, in.orgId).bind(9, in.evaluationId).run();
  addHistory(in.orgId, in.evaluationId, operation == Operation::Create ? "intent-create" : "intent-update",
             in.matched ? "content changed" : "no longer matches: " + in.skipReason);
  return operation == Operation::Create ? Decision::Create : Decision::Update;
}

Decision Ledger::deadLetterChange(const Observation& in, const std::string& rawHash) {
  // A newer content of a known evaluation that cannot be mapped (or read): dead-lettered with its
  // raw text, not dropped, so `ledger replay` sends it once the mapping is fixed. The incident, if
  // any, stays linked, and its fields become what it has (the replay's update says what changed);
  // a create that may have been posted keeps them as the earlier intent's.
  Statement update(*db_,
                   "UPDATE evaluations SET status='dead', changed_date=?, content_hash=?, raw_json=?, last_error=?," +
                       kEarlierIntentKept + ", updated_at=? WHERE org_id=? AND evaluation_id=?");
  update.bind(1, nonEmpty(in.changedDate)).bind(2, rawHash).bind(3, in.rawJson).bind(4, in.deadReason);
  update.bind(5, utcNowIso()).bind(6, in.orgId).bind(7, in.evaluationId).run();
  addHistory(in.orgId, in.evaluationId, "dead", in.deadReason);
  return Decision::Dead;
}

Decision Ledger::recordFollowUp(const Observation& in, const LedgerRecord& row) {
  // The record now follows a new incident under a new correlation_id (so a crash before the
  // answer is settled by looking that one up); the closed one stays as it is in ServiceNow and in
  // the history. ServiceNow's parent_incident reference links the two.
  const std::string base = correlationIdFor(in.orgId, in.evaluationId);
  int generation = 1;
  const std::string marker = base + ":followup-";
  if (row.correlationId.rfind(marker, 0) == 0) generation = std::stoi(row.correlationId.substr(marker.size())) + 1;
  const std::string correlationId = marker + std::to_string(generation);

  Poco::JSON::Object::Ptr fields = Poco::JSON::Parser().parse(in.fieldsJson).extract<Poco::JSON::Object::Ptr>();
  fields->set("parent_incident", row.incident.sysId);
  fields->set("work_notes", "evalbridge: follow-up to " + row.incident.number + " (" +
                                incidentStateName(row.incident.state) +
                                "): the evaluation changed in Genesys Cloud after the incident was closed.");
  std::ostringstream text;
  fields->stringify(text);

  Statement update(*db_,
                   "UPDATE evaluations SET status='pending', operation='create', correlation_id=?, changed_date=?,"
                   " content_hash=?, fields_json=?, previous_fields_json=NULL, raw_json=?, skip_reason=NULL,"
                   " sys_id=NULL, incident_number=NULL, incident_state=NULL, incident_updated_on=NULL,"
                   " incident_mod_count=NULL, assignment_group=NULL, close_code=NULL, close_notes=NULL,"
                   " attempts=0, last_error=NULL, updated_at=? WHERE org_id=? AND evaluation_id=?");
  update.bind(1, correlationId).bind(2, nonEmpty(in.changedDate)).bind(3, sha256Hex(in.fieldsJson));
  update.bind(4, text.str()).bind(5, nonEmpty(in.rawJson)).bind(6, utcNowIso());
  update.bind(7, in.orgId).bind(8, in.evaluationId).run();
  addHistory(in.orgId, in.evaluationId, "intent-followup",
             row.incident.number + " is " + incidentStateName(row.incident.state) + "; a follow-up incident (" +
                 correlationId + ") will reference it");
  return Decision::Create;
}

std::optional<LedgerRecord> Ledger::restorePruned(const Observation& in) {
  // Called inside observe()'s transaction: the restore and the decision commit together.
  Statement restore(*db_,
                    "INSERT INTO evaluations (org_id, evaluation_id, org_name, status, correlation_id, changed_date,"
                    " content_hash, sys_id, incident_number, incident_state, incident_updated_on, incident_mod_count,"
                    " attempts, first_seen_at, updated_at)"
                    " SELECT org_id, evaluation_id, org_name, status, correlation_id, changed_date, content_hash, sys_id,"
                    " incident_number, incident_state, incident_updated_on, incident_mod_count, attempts,"
                    " first_seen_at, ?3 FROM pruned_records WHERE org_id=?1 AND evaluation_id=?2");
  restore.bind(1, in.orgId).bind(2, in.evaluationId).bind(3, utcNowIso()).run();
  if (db_->changes() == 0) return std::nullopt;
  std::string prunedAt;
  {
    Statement tombstone(*db_, "SELECT pruned_at FROM pruned_records WHERE org_id=? AND evaluation_id=?");
    tombstone.bind(1, in.orgId).bind(2, in.evaluationId);
    if (tombstone.step()) prunedAt = tombstone.text(0);
  }
  Statement drop(*db_, "DELETE FROM pruned_records WHERE org_id=? AND evaluation_id=?");
  drop.bind(1, in.orgId).bind(2, in.evaluationId).run();
  std::optional<LedgerRecord> row = find(in.orgId, in.evaluationId);
  addHistory(in.orgId, in.evaluationId, "restored",
             "exported again after the prune of " + prunedAt + "; restored from its tombstone" +
                 (row && !row->incident.sysId.empty()
                      ? " with incident " + row->incident.number + " (sys_id " + row->incident.sysId + ")"
                      : std::string()));
  return row;
}

std::optional<LedgerRecord> Ledger::find(const std::string& orgId, const std::string& evaluationId) const {
  {
    std::lock_guard<std::recursive_mutex> lock(db_->mutex());
    if (auto buffered = skipped_->buffered(orgId, evaluationId)) return buffered;
  }
  Statement query(*db_, std::string("SELECT ") + kColumns + " FROM ledger_records WHERE org_id=? AND evaluation_id=?");
  query.bind(1, orgId).bind(2, evaluationId);
  if (!query.step()) return std::nullopt;
  return readRecord(query);
}

Database& Ledger::readConnection() const {
  if (location_ == ":memory:") return *db_;
  std::lock_guard<std::mutex> lock(readConnectionMutex_);
  if (!reads_ && !readsRefused_) {
    try {
      auto opened = openDatabaseForReading(location_, password_);
      // Each delivery reads a different row once: a small page cache does, and keeps RSS flat.
      if (opened->backend() == LedgerBackend::Sqlite) opened->exec("PRAGMA cache_size=64");
      reads_ = std::move(opened);
    } catch (const std::exception& e) {
      // E.g. a PostgreSQL server at max_connections. The writer's connection reads as well,
      // only behind its commits: slower, never wrong, so deliveries go on.
      readsRefused_ = true;
      Poco::Logger::get("evalbridge.ledger")
          .warning("ledger %s: a second connection for the deliveries' reads could not be opened (%s); they read "
                   "through the first, waiting for its commits",
                   db_->path(), errorText(e));
    }
  }
  return reads_ ? *reads_ : *db_;
}

std::optional<LedgerRecord> Ledger::findPending(const std::string& orgId, const std::string& evaluationId) const {
  // The full rows alone (a lean skip, buffered or not, is never pending), without the raw text
  // (several KB that delivery never sends).
  Statement query(readConnection(), "SELECT " + kColumnsWithoutRaw +
                            " FROM evaluations WHERE org_id=? AND evaluation_id=? AND status='pending'");
  query.bind(1, orgId).bind(2, evaluationId);
  if (!query.step()) return std::nullopt;
  return readRecord(query);
}

std::optional<LedgerRecord> Ledger::findByKey(const std::string& key) const {
  flushSkips();  // read by other keys than the buffer's
  const std::string select = std::string("SELECT ") + kColumns + " FROM ledger_records WHERE ";
  for (const char* where : {"correlation_id=?1", "org_id || ':' || evaluation_id = ?1", "incident_number=?1",
                            "sys_id=?1", "evaluation_id=?1"}) {
    Statement query(*db_, select + where + " LIMIT 2");
    query.bind(1, key);
    if (!query.step()) continue;
    LedgerRecord record = readRecord(query);
    if (query.step()) {
      throw PermanentError("'" + key + "' matches more than one ledger record; use orgId:evaluationId");
    }
    return record;
  }
  return std::nullopt;
}

std::vector<LedgerRecord> Ledger::list(const RecordFilter& filter) const {
  // Only skipped records can be lean: any other status is read from the full rows alone, so the
  // sync's pending() never scans the skips.
  const bool mayBeLean = !filter.status || *filter.status == RecordStatus::Skipped;
  if (mayBeLean) flushSkips();  // listed in the view's order, with its filters
  std::string sql = std::string("SELECT ") + kColumns + " FROM " + (mayBeLean ? "ledger_records" : "evaluations") +
                    " WHERE 1=1";
  if (filter.orgId) sql += " AND org_id=?";
  if (filter.status) sql += " AND status=?";
  if (filter.incidentState) sql += " AND incident_state=?";
  sql += " ORDER BY org_id, changed_date, evaluation_id LIMIT ?";
  Statement query(*db_, sql);
  int index = 1;
  if (filter.orgId) query.bind(index++, *filter.orgId);
  if (filter.status) query.bind(index++, toString(*filter.status));
  if (filter.incidentState) query.bind(index++, *filter.incidentState);
  query.bind(index, filter.limit);
  std::vector<LedgerRecord> records;
  while (query.step()) records.push_back(readRecord(query));
  return records;
}

std::vector<LedgerRecord> Ledger::pending(const std::string& orgId) const {
  // Without the raw text, as findPending reads them: a delivery reads each again once it holds
  // its claim, and never sends the raw text.
  Statement query(*db_, "SELECT " + kColumnsWithoutRaw +
                            " FROM evaluations WHERE status='pending' AND org_id=?"
                            " ORDER BY changed_date, evaluation_id");
  query.bind(1, orgId);
  std::vector<LedgerRecord> records;
  while (query.step()) records.push_back(readRecord(query));
  return records;
}

std::vector<std::string> Ledger::pendingKeys(const std::string& orgId) const {
  Statement query(*db_, "SELECT evaluation_id FROM evaluations WHERE status=? AND org_id=?");
  query.bind(1, toString(RecordStatus::Pending)).bind(2, orgId);
  std::vector<std::string> keys;
  while (query.step()) keys.push_back(recordKey(orgId, query.text(0)));
  return keys;
}

void Ledger::markDelivered(const std::string& orgId, const std::string& evaluationId, const IncidentRef& incident,
                           const std::optional<SentContent>& sent, LeaseToken begunUnder) {
  outcomes_->run([&] { writeDelivered(orgId, evaluationId, incident, sent, begunUnder); });
}

void Ledger::markDeliveredLater(const std::string& orgId, const std::string& evaluationId, const IncidentRef& incident,
                                const std::optional<SentContent>& sent, GroupCommit::Committed committed,
                                LeaseToken begunUnder) {
  outcomes_->post([this, orgId, evaluationId, incident, sent,
                   begunUnder] { writeDelivered(orgId, evaluationId, incident, sent, begunUnder); },
                  std::move(committed));
}

void Ledger::flushOutcomes() { outcomes_->flush(); }

void Ledger::writeDelivered(const std::string& orgId, const std::string& evaluationId, const IncidentRef& incident,
                            const std::optional<SentContent>& sent, LeaseToken begunUnder) {
  fenceWrite(orgId, begunUnder);
  // Only these are needed: read them alone, not the record with its raw text. A record being
  // delivered is never a lean skip, so it is in evaluations.
  bool wasUpdate = false;
  std::string correlationId;
  std::string contentHash;
  {
    Statement row(*db_, "SELECT operation, correlation_id, content_hash FROM evaluations WHERE org_id=? AND evaluation_id=?");
    row.bind(1, orgId).bind(2, evaluationId);
    if (!row.step()) throw PermanentError("ledger has no record " + recordKey(orgId, evaluationId));
    wasUpdate = !row.isNull(0) && row.text(0) == toString(Operation::Update);
    correlationId = row.text(1);
    contentHash = row.text(2);
  }
  // Named by what was sent: the row's operation may have changed since (a follow-up is a create).
  const bool sentUpdate = sent ? sent->operation == Operation::Update : wasUpdate;
  const std::string event = sentUpdate ? "updated" : "created";
  const std::string named = incident.number + " (sys_id " + incident.sysId + ")";
  if (sent && correlationId != sent->correlationId) {
    addHistory(orgId, evaluationId, event,
               named + " for " + sent->correlationId + "; the record follows " + correlationId + " since");
    return;
  }
  if (sent && contentHash != sent->contentHash) {
    // The incident exists with what was sent (or, adopted, may hold an earlier intent's fields);
    // the content observed since is still to be sent, as an update of it (the next delivery
    // PATCHes, and the work note says what changed).
    Statement update(*db_,
                     "UPDATE evaluations SET status='pending', operation='update', previous_fields_json=?, sys_id=?,"
                     " incident_number=COALESCE(?, incident_number), incident_state=COALESCE(?, incident_state),"
                     " incident_updated_on=COALESCE(?, incident_updated_on),"
                     " incident_mod_count=COALESCE(?, incident_mod_count), attempts=0, last_error=NULL, updated_at=?"
                     " WHERE org_id=? AND evaluation_id=?");
    update.bind(1, nonEmpty(sent->fieldsJson)).bind(2, incident.sysId).bind(3, nonEmpty(incident.number));
    update.bind(4, nonEmpty(incident.state)).bind(5, nonEmpty(incident.updatedOn)).bind(6, incident.modCount);
    update.bind(7, utcNowIso()).bind(8, orgId).bind(9, evaluationId).run();
    addHistory(orgId, evaluationId, event,
               named + "; the evaluation changed since what it holds was sent, an update follows");
    return;
  }
  Statement update(*db_,
                   "UPDATE evaluations SET status=?, operation=NULL, raw_json=NULL, previous_fields_json=NULL,"
                   " sys_id=?, incident_number=COALESCE(?, incident_number),"
                   " incident_state=COALESCE(?, incident_state), incident_updated_on=COALESCE(?, incident_updated_on),"
                   " incident_mod_count=COALESCE(?, incident_mod_count), last_error=NULL, updated_at=?"
                   " WHERE org_id=? AND evaluation_id=?");
  update.bind(1, event).bind(2, incident.sysId);
  update.bind(3, nonEmpty(incident.number)).bind(4, nonEmpty(incident.state)).bind(5, nonEmpty(incident.updatedOn));
  update.bind(6, incident.modCount).bind(7, utcNowIso()).bind(8, orgId).bind(9, evaluationId).run();
  addHistory(orgId, evaluationId, event, named);
}

void Ledger::markAttemptFailed(const std::string& orgId, const std::string& evaluationId, const std::string& error,
                               LeaseToken begunUnder) {
  outcomes_->run([&] {
    fenceWrite(orgId, begunUnder);
    Statement update(*db_,
                     "UPDATE evaluations SET attempts=attempts+1, last_error=?, updated_at=?"
                     " WHERE org_id=? AND evaluation_id=?");
    update.bind(1, error).bind(2, utcNowIso()).bind(3, orgId).bind(4, evaluationId).run();
    addHistory(orgId, evaluationId, "attempt-failed", error);
  });
}

void Ledger::markDead(const std::string& orgId, const std::string& evaluationId, const std::string& reason,
                      LeaseToken begunUnder) {
  outcomes_->run([&] {
    fenceWrite(orgId, begunUnder);
    Statement update(*db_,
                     "UPDATE evaluations SET status='dead', last_error=?, updated_at=? WHERE org_id=? AND evaluation_id=?");
    update.bind(1, reason).bind(2, utcNowIso()).bind(3, orgId).bind(4, evaluationId).run();
    addHistory(orgId, evaluationId, "dead", reason);
  });
}

int Ledger::replay(const std::string& orgId, const std::string& evaluationId) {
  Transaction transaction(*db_);
  const std::string dead = " WHERE status='dead'";
  std::vector<std::pair<std::string, std::string>> keys;
  {
    Statement select(*db_, "SELECT org_id, evaluation_id FROM evaluations" + dead +
                               (orgId.empty() ? "" : " AND org_id=?1 AND evaluation_id=?2"));
    if (!orgId.empty()) select.bind(1, orgId).bind(2, evaluationId);
    while (select.step()) keys.emplace_back(select.text(0), select.text(1));
  }
  // The time is ?1 so that no parameter goes unused (PostgreSQL cannot type one that is). A dead
  // create keeps its fields as an earlier intent's (kEarlierIntentKept): a POST may have landed
  // before it died.
  Statement update(*db_,
                   "UPDATE evaluations SET status='pending',"
                   " operation=CASE WHEN sys_id IS NULL OR sys_id='' THEN 'create' ELSE 'update' END," +
                       kEarlierIntentKept + ", attempts=0, updated_at=?1" + dead +
                       (orgId.empty() ? "" : " AND org_id=?2 AND evaluation_id=?3"));
  update.bind(1, utcNowIso());
  if (!orgId.empty()) update.bind(2, orgId).bind(3, evaluationId);
  update.run();
  for (const auto& [org, evaluation] : keys) addHistory(org, evaluation, "replay", "moved from dead letter to pending");
  transaction.commit();
  return static_cast<int>(keys.size());
}

bool Ledger::replayRemapped(const std::string& orgId, const std::string& evaluationId, const Remapping& remapping) {
  Transaction transaction(*db_);
  std::optional<LedgerRecord> row = find(orgId, evaluationId);
  if (!row || row->status != RecordStatus::Dead) return false;
  const bool hasIncident = !row->incident.sysId.empty();
  const std::string now = utcNowIso();
  if (!remapping.matched && !hasIncident) {
    Statement update(*db_,
                     "UPDATE evaluations SET status='skipped', operation=NULL, content_hash=?, fields_json=NULL," +
                         kEarlierIntentKept +
                         ", raw_json=NULL, skip_reason=?, attempts=0, last_error=NULL, updated_at=?"
                         " WHERE org_id=? AND evaluation_id=?");
    update.bind(1, kSkippedContentHash).bind(2, remapping.skipReason).bind(3, now).bind(4, orgId).bind(5, evaluationId).run();
    addHistory(orgId, evaluationId, "replay", "mapped again: no longer matches (" + remapping.skipReason + ")");
    transaction.commit();
    return true;
  }
  const std::string fields = remapping.matched ? remapping.fieldsJson : std::string("{}");
  Statement update(*db_,
                   "UPDATE evaluations SET status='pending', operation=?, content_hash=?, fields_json=?," +
                       kEarlierIntentKept +
                       ", skip_reason=?, attempts=0, updated_at=? WHERE org_id=? AND evaluation_id=?");
  update.bind(1, hasIncident ? "update" : "create").bind(2, remapping.matched ? sha256Hex(fields) : kSkippedContentHash);
  update.bind(3, fields).bind(4, remapping.matched ? std::nullopt : nonEmpty(remapping.skipReason)).bind(5, now);
  update.bind(6, orgId).bind(7, evaluationId).run();
  addHistory(orgId, evaluationId, "replay", "mapped again with the current mapping; moved from dead letter to pending");
  transaction.commit();
  return true;
}

std::map<std::string, StatusCounts> Ledger::statsByOrg() const {
  Statement query(*db_, "SELECT org_id, status, COUNT(*) FROM evaluations GROUP BY org_id, status");
  std::map<std::string, StatusCounts> stats;
  while (query.step()) {
    StatusCounts& counts = stats[query.text(0)];
    counts.byStatus[query.text(1)] = query.integer(2);
    counts.total += query.integer(2);
  }
  for (const auto& [orgId, lean] : skipped_->countByOrg()) {
    StatusCounts& counts = stats[orgId];
    counts.byStatus["skipped"] += lean;
    counts.total += lean;
  }
  return stats;
}

std::vector<HistoryEntry> Ledger::history(const std::string& orgId, const std::string& evaluationId) const {
  Statement query(*db_, "SELECT at, event, COALESCE(detail,'') FROM history WHERE org_id=? AND evaluation_id=? ORDER BY id");
  query.bind(1, orgId).bind(2, evaluationId);
  std::vector<HistoryEntry> entries;
  while (query.step()) entries.push_back({query.text(0), query.text(1), query.text(2)});
  return entries;
}

void Ledger::addHistory(const std::string& orgId, const std::string& evaluationId, const std::string& event,
                        const std::string& detail) {
  Statement insert(*db_, "INSERT INTO history (org_id, evaluation_id, at, event, detail) VALUES (?,?,?,?,?)");
  insert.bind(1, orgId).bind(2, evaluationId).bind(3, utcNowIso()).bind(4, event).bind(5, nonEmpty(detail)).run();
}

std::optional<std::string> Ledger::checkpoint(const std::string& orgId) const {
  Statement query(*db_, "SELECT window_end FROM checkpoints WHERE org_id=?");
  query.bind(1, orgId);
  if (!query.step()) return std::nullopt;
  return query.text(0);
}

void Ledger::checkFence(const std::string& orgId, LeaseToken begunUnder) {
  if (fence_ == nullptr) return;
  std::lock_guard<std::recursive_mutex> lock(db_->mutex());
  fence_->check(*db_, orgId, OrgFence::Purpose::Request, begunUnder);
}

LeaseToken Ledger::currentLease(const std::string& orgId) const {
  return fence_ == nullptr ? kAnyLease : fence_->current(orgId);
}

void Ledger::fenceWrite(const std::string& orgId, LeaseToken begunUnder) const {
  if (fence_ != nullptr) fence_->check(*db_, orgId, OrgFence::Purpose::Write, begunUnder);
}

void Ledger::setCheckpoint(const std::string& orgId, const std::string& orgName, const std::string& windowEnd) {
  // Without waiting for the disk: a checkpoint lost to a power cut only has its window read
  // again, and the window's records were committed before it (commits land in order).
  Transaction transaction(*db_, Transaction::Durability::Relaxed);
  SkipsEnded ended{*skipped_};
  fenceWrite(orgId);
  if (leaseChangedDuringSweep(orgId))
    throw LeaseLost("org " + orgId + ": its lease changed during this sweep (skips it buffered were dropped); its "
                    "windows are read again by the next sweep");
  skipped_->flush(orgId);
  Statement upsert(*db_,
                   "INSERT INTO checkpoints (org_id, org_name, window_end, updated_at) VALUES (?,?,?,?)"
                   " ON CONFLICT(org_id) DO UPDATE SET org_name=excluded.org_name,"
                   " window_end=CASE WHEN excluded.window_end > checkpoints.window_end THEN excluded.window_end"
                   " ELSE checkpoints.window_end END, updated_at=excluded.updated_at");
  upsert.bind(1, orgId).bind(2, orgName).bind(3, windowEnd).bind(4, utcNowIso()).run();
  transaction.commit();
  ended.committed = true;
}

}  // namespace evalbridge
