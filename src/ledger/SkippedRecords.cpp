#include "ledger/SkippedRecords.h"

#include <tuple>

#include "common/IsoTime.h"
#include "ledger/Database.h"
#include "ledger/Statement.h"

namespace evalbridge {
namespace {

std::int64_t unixSeconds(const Poco::Timestamp& time) { return time.epochTime(); }

}  // namespace

std::optional<SkippedRecords::LeanTime> SkippedRecords::leanTime(const std::string& changedDate,
                                                                 const std::optional<std::int64_t>& parsedAt) {
  if (changedDate.empty()) return LeanTime();
  if (parsedAt) return LeanTime(*parsedAt);
  auto time = parseIsoTime(changedDate);
  if (!time || formatIsoTime(*time) != changedDate) return std::nullopt;
  return LeanTime(unixSeconds(*time));
}

std::int64_t SkippedRecords::cachedKey(Keys& known, Keys& tentative, const std::string& name,
                                       const std::function<std::int64_t()>& read) {
  if (auto found = known.find(name); found != known.end()) return found->second;
  if (auto found = tentative.find(name); found != tentative.end()) return found->second;
  return tentative[name] = read();
}

void SkippedRecords::transactionEnded(bool committed) {
  buffer_.transactionEnded(committed);
  if (committed) {
    knownOrgs_.merge(tentativeOrgs_);
    knownReasons_.merge(tentativeReasons_);
  }
  tentativeOrgs_.clear();
  tentativeReasons_.clear();
}

std::int64_t SkippedRecords::orgKey(const std::string& orgId, const std::string& orgName) {
  // Under the org's id and name: a renamed org's row is updated once.
  return cachedKey(knownOrgs_, tentativeOrgs_, orgId + '\n' + orgName, [&] { return readOrgKey(orgId, orgName); });
}

std::int64_t SkippedRecords::reasonKey(const std::string& reason) {
  return cachedKey(knownReasons_, tentativeReasons_, reason, [&] { return readReasonKey(reason); });
}

std::int64_t SkippedRecords::readOrgKey(const std::string& orgId, const std::string& orgName) {
  Statement add(db_, "INSERT INTO ledger_orgs (org_id, org_name) VALUES (?1, ?2)"
                     " ON CONFLICT(org_id) DO UPDATE SET org_name=excluded.org_name WHERE ledger_orgs.org_name<>excluded.org_name");
  add.bind(1, orgId).bind(2, orgName).run();
  Statement key(db_, "SELECT org_key FROM ledger_orgs WHERE org_id=?1");
  key.bind(1, orgId);
  key.step();
  return key.integer(0);
}

std::int64_t SkippedRecords::readReasonKey(const std::string& reason) {
  Statement add(db_, "INSERT INTO skip_reasons (text) VALUES (?1) ON CONFLICT DO NOTHING");
  add.bind(1, reason).run();
  Statement key(db_, "SELECT reason_key FROM skip_reasons WHERE text=?1");
  key.bind(1, reason);
  key.step();
  return key.integer(0);
}

void SkippedRecords::insert(const std::string& orgId, const std::string& orgName, const std::string& evaluationId,
                            const LeanTime& changedAt, const std::string& reason) {
  SkipBuffer::Row row;
  row.orgKey = orgKey(orgId, orgName);
  row.changedAt = changedAt;
  row.reasonKey = reasonKey(reason);
  row.seenAt = unixSeconds(Poco::Timestamp());
  buffer_.add(orgId, evaluationId, row);
}

std::optional<LedgerRecord> SkippedRecords::buffered(const std::string& orgId, const std::string& evaluationId) const {
  const SkipBuffer::Row* row = buffer_.find(orgId, evaluationId);
  if (row == nullptr) return std::nullopt;
  Statement names(db_, "SELECT o.org_name, r.text FROM ledger_orgs o, skip_reasons r WHERE o.org_key=?1 AND r.reason_key=?2");
  names.bind(1, row->orgKey).bind(2, row->reasonKey);
  if (!names.step()) return std::nullopt;  // not reached: the keys were read in a committed transaction
  LedgerRecord record;
  record.orgId = orgId;
  record.evaluationId = evaluationId;
  record.orgName = names.text(0);
  record.status = RecordStatus::Skipped;
  record.correlationId = correlationIdFor(orgId, evaluationId);
  if (row->changedAt) record.changedDate = formatIsoTime(Poco::Timestamp::fromEpochTime(*row->changedAt));
  record.contentHash = kSkippedContentHash;
  record.skipReason = names.text(1);
  record.firstSeenAt = record.updatedAt = formatIsoTime(Poco::Timestamp::fromEpochTime(row->seenAt));
  return record;
}

void SkippedRecords::flush(const std::string& orgId) {
  const SkipBuffer::OrgRows& rows = buffer_.take(orgId);
  if (rows.empty()) return;
  // The guards matter only when replicas share the ledger: another one may have written the record
  // while this one held no lease for the org. (The casts give PostgreSQL the parameters' types.)
  Statement insert(db_,
                   "INSERT INTO skipped_records (org_key, evaluation_id, changed_at, reason_key, first_seen, updated)"
                   " SELECT CAST(?1 AS BIGINT), ?2, CAST(?3 AS BIGINT), CAST(?4 AS BIGINT), CAST(?5 AS BIGINT),"
                   " CAST(?5 AS BIGINT) WHERE NOT EXISTS (SELECT 1 FROM evaluations WHERE org_id=?6 AND evaluation_id=?2)"
                   " ON CONFLICT DO NOTHING");
  for (const auto& [evaluationId, row] : rows) {
    insert.reset();
    insert.bind(1, row.orgKey).bind(2, evaluationId.c_str()).bind(3, row.changedAt).bind(4, row.reasonKey);
    insert.bind(5, row.seenAt).bind(6, orgId).run();
  }
}

bool SkippedRecords::remove(const std::string& orgId, const std::string& evaluationId) {
  if (buffer_.erase(orgId, evaluationId)) return true;
  Statement drop(db_,
                 "DELETE FROM skipped_records WHERE evaluation_id=?2"
                 " AND org_key=(SELECT org_key FROM ledger_orgs WHERE org_id=?1)");
  drop.bind(1, orgId).bind(2, evaluationId).run();
  return db_.changes() > 0;
}

std::map<std::string, long long> SkippedRecords::countByOrg() const {
  std::lock_guard<std::recursive_mutex> lock(db_.mutex());
  std::map<std::string, long long> counts = buffer_.countByOrg();
  Statement query(db_,
                  "SELECT o.org_id, COUNT(*) FROM skipped_records s JOIN ledger_orgs o ON o.org_key=s.org_key"
                  " GROUP BY o.org_id");
  while (query.step()) counts[query.text(0)] += query.integer(1);
  return counts;
}

void SkippedRecords::countOlderThan(const std::string& cutoff, std::map<std::string, long long>& records,
                                    std::map<std::string, long long>& history) const {
  const std::int64_t before = unixSeconds(requireIsoTime(cutoff, "cutoff"));
  Statement rows(db_,
                 "SELECT o.org_id, COUNT(*) FROM skipped_records s JOIN ledger_orgs o ON o.org_key=s.org_key"
                 " WHERE s.updated < ?1 GROUP BY o.org_id");
  rows.bind(1, before);
  while (rows.step()) records[rows.text(0)] += rows.integer(1);
  Statement old(db_,
                "SELECT h.org_id, COUNT(*) FROM history h JOIN ledger_orgs o ON o.org_id=h.org_id"
                " JOIN skipped_records s ON s.org_key=o.org_key AND s.evaluation_id=h.evaluation_id"
                " WHERE s.updated < ?1 GROUP BY h.org_id");
  old.bind(1, before);
  while (old.step()) history[old.text(0)] += old.integer(1);
}

std::vector<std::pair<std::string, long long>> SkippedRecords::deleteOlderThan(const std::string& cutoff, int limit) {
  const std::int64_t before = unixSeconds(requireIsoTime(cutoff, "cutoff"));
  std::vector<std::tuple<std::int64_t, std::string, std::string>> keys;  // org_key, org_id, evaluation_id
  {
    // A full scan per batch, but a cheap one: lean rows are small, and a prune runs once a day.
    Statement select(db_,
                     "SELECT s.org_key, o.org_id, s.evaluation_id FROM skipped_records s"
                     " JOIN ledger_orgs o ON o.org_key=s.org_key WHERE s.updated < ?1 LIMIT ?2");
    select.bind(1, before).bind(2, limit);
    while (select.step()) keys.emplace_back(select.integer(0), select.text(1), select.text(2));
  }
  std::vector<std::pair<std::string, long long>> deleted;
  Statement dropHistory(db_, "DELETE FROM history WHERE org_id=?1 AND evaluation_id=?2");
  Statement drop(db_, "DELETE FROM skipped_records WHERE org_key=?1 AND evaluation_id=?2");
  for (const auto& [key, orgId, evaluationId] : keys) {
    dropHistory.reset();
    dropHistory.bind(1, orgId).bind(2, evaluationId).run();
    const long long historyRows = db_.changes();
    drop.reset();
    drop.bind(1, key).bind(2, evaluationId).run();
    deleted.emplace_back(orgId, historyRows);
  }
  return deleted;
}

}  // namespace evalbridge
