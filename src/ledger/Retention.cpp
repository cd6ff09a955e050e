#include "ledger/Retention.h"

#include <chrono>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "common/IsoTime.h"
#include "ledger/Database.h"
#include "ledger/SkippedRecords.h"
#include "ledger/Statement.h"
#include "ledger/Transaction.h"

namespace evalbridge {
namespace {

// Each condition takes its cutoff as ?1. measure() and prune() use these same strings, so a
// dry run counts exactly what a prune removes.
//
// Skipped: never delivered (a skipped record has no incident). `updated_at` is the last time the
// ledger recorded a change: a re-export of the same content changes nothing, so "not seen" is
// "not changed"; if such an evaluation comes back after the prune it is simply recorded again.
const std::string kSkipped = "status='skipped' AND updated_at < ?1";
// Closed: delivered, and ServiceNow says the incident is done; a state change (the poll, the
// webhook) renews updated_at, so a reopened incident is kept. Pending (an update in flight) and
// dead records never match: their status is neither created nor updated.
std::string closedCondition() {
  return std::string("status IN ('created','updated') AND incident_state IN ") + Retention::finalStatesSql() +
         " AND updated_at < ?1";
}
// Old history, except the story of records someone still has to act on.
const std::string kOldHistory =
    "h.at < ?1 AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.org_id=h.org_id"
    " AND e.evaluation_id=h.evaluation_id AND e.status IN ('pending','dead'))";

// A record whose incident exists, or whose create may have reached ServiceNow (failed attempts, or
// an earlier intent's fields kept: kEarlierIntentKept in Ledger.cpp), keeps a tombstone
// (db/003_retention.sql) from which Ledger::observe restores it if the evaluation comes back. The
// tombstone has no fields: a create that may have landed keeps at least one attempt, so it is
// looked up before a POST.
const char* kTombstone =
    "INSERT INTO pruned_records (org_id, evaluation_id, org_name, status, correlation_id, changed_date,"
    " content_hash, sys_id, incident_number, incident_state, incident_updated_on, incident_mod_count, attempts,"
    " first_seen_at, pruned_at)"
    " SELECT org_id, evaluation_id, org_name, status, correlation_id, changed_date, content_hash, sys_id,"
    " incident_number, incident_state, incident_updated_on, incident_mod_count,"
    " CASE WHEN attempts=0 AND previous_fields_json IS NOT NULL THEN 1 ELSE attempts END, first_seen_at, ?3"
    " FROM evaluations WHERE org_id=?1 AND evaluation_id=?2"
    " AND (COALESCE(sys_id,'')<>'' OR attempts>0 OR previous_fields_json IS NOT NULL)"
    " ON CONFLICT (org_id, evaluation_id) DO UPDATE SET org_name=excluded.org_name, status=excluded.status,"
    " correlation_id=excluded.correlation_id, changed_date=excluded.changed_date, content_hash=excluded.content_hash,"
    " sys_id=excluded.sys_id, incident_number=excluded.incident_number, incident_state=excluded.incident_state,"
    " incident_updated_on=excluded.incident_updated_on, incident_mod_count=excluded.incident_mod_count,"
    " attempts=excluded.attempts, first_seen_at=excluded.first_seen_at, pruned_at=excluded.pruned_at";

std::string cutoffText(const Poco::Timestamp& now, long long seconds) {
  return formatIsoTime(now - static_cast<Poco::Timestamp::TimeDiff>(seconds) * Poco::Timestamp::resolution());
}

void countByOrg(Database& db, const std::string& sql, const std::string& cutoff,
                std::map<std::string, PruneCounts>& byOrg, long long PruneCounts::*field) {
  Statement query(db, sql);
  query.bind(1, cutoff);
  while (query.step()) byOrg[query.text(0)].*field += query.integer(1);
}

}  // namespace

struct Retention::Cutoffs {
  std::string skipped;
  std::string closed;
  std::string history;
};

PruneCounts PruneReport::total() const {
  PruneCounts sum;
  for (const auto& [org, counts] : byOrg) {
    sum.skipped += counts.skipped;
    sum.closed += counts.closed;
    sum.history += counts.history;
  }
  return sum;
}

const char* Retention::finalStatesSql() { return "('6','7','8')"; }

Retention::Retention(Database& db, const RetentionPolicy& policy, RetentionLimits limits)
    : db_(db), policy_(policy), limits_(limits) {
  if (limits_.batchRows < 1) limits_.batchRows = 1;
}

Retention::Cutoffs Retention::cutoffs(const Poco::Timestamp& now) const {
  return {cutoffText(now, policy_.skippedS), cutoffText(now, policy_.closedS), cutoffText(now, policy_.historyS)};
}

PruneReport Retention::measure(const Poco::Timestamp& now) const {
  const Cutoffs cut = cutoffs(now);
  PruneReport report;
  report.dryRun = true;
  std::lock_guard<std::recursive_mutex> lock(db_.mutex());
  // One read transaction: the three counts describe the same moment.
  db_.exec("BEGIN");
  try {
    countByOrg(db_, "SELECT org_id, COUNT(*) FROM evaluations WHERE " + kSkipped + " GROUP BY org_id", cut.skipped,
               report.byOrg, &PruneCounts::skipped);
    countByOrg(db_, "SELECT org_id, COUNT(*) FROM evaluations WHERE " + closedCondition() + " GROUP BY org_id",
               cut.closed, report.byOrg, &PruneCounts::closed);
    // History that goes: the whole history of every record that goes, plus old rows of the rest.
    // ?1 is the history cutoff here; the record conditions are renumbered to ?2 and ?3.
    std::string skippedRecord = kSkipped;
    skippedRecord.replace(skippedRecord.find("?1"), 2, "?2");
    std::string closedRecord = closedCondition();
    closedRecord.replace(closedRecord.find("?1"), 2, "?3");
    Statement history(db_,
                      "SELECT h.org_id, COUNT(*) FROM history h WHERE (" + kOldHistory +
                          ") OR EXISTS (SELECT 1 FROM evaluations WHERE org_id=h.org_id AND evaluation_id=h.evaluation_id"
                          " AND ((" + skippedRecord + ") OR (" + closedRecord + "))) GROUP BY h.org_id");
    history.bind(1, cut.history).bind(2, cut.skipped).bind(3, cut.closed);
    while (history.step()) report.byOrg[history.text(0)].history += history.integer(1);
    // Lean skips (db/004): the same cutoff; their history is what a schema-3 skip brought along.
    std::map<std::string, long long> leanRecords, leanHistory;
    SkippedRecords(db_).countOlderThan(cut.skipped, leanRecords, leanHistory);
    for (const auto& [org, n] : leanRecords) report.byOrg[org].skipped += n;
    for (const auto& [org, n] : leanHistory) report.byOrg[org].history += n;
  } catch (...) {
    db_.exec("ROLLBACK");
    throw;
  }
  db_.exec("COMMIT");
  for (auto it = report.byOrg.begin(); it != report.byOrg.end();) it = it->second.empty() ? report.byOrg.erase(it) : ++it;
  return report;
}

PruneReport Retention::prune(const Poco::Timestamp& now, const std::function<bool()>& keepGoing) {
  const Cutoffs cut = cutoffs(now);
  PruneReport report;
  // Records first (with their history), then the old history of the records that stay, so no
  // history row is counted twice.
  report.interrupted = !pruneRecords(kSkipped, cut.skipped, false, report, keepGoing) ||
                       !pruneLeanSkipped(cut.skipped, report, keepGoing) ||
                       !pruneRecords(closedCondition(), cut.closed, true, report, keepGoing) ||
                       !pruneOldHistory(cut.history, report, keepGoing);
  return report;
}

bool Retention::nextBatch(PruneReport& report, const std::function<bool()>& keepGoing) {
  if (report.batches > 0 && limits_.pauseMs > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(limits_.pauseMs));
  return !keepGoing || keepGoing();
}

bool Retention::pruneRecords(const std::string& where, const std::string& cutoff, bool closed, PruneReport& report,
                             const std::function<bool()>& keepGoing) {
  const std::string now = formatIsoTime(Poco::Timestamp());
  for (;;) {
    if (!nextBatch(report, keepGoing)) return false;
    Transaction transaction(db_);
    std::vector<std::pair<std::string, std::string>> keys;
    {
      Statement select(db_, "SELECT org_id, evaluation_id FROM evaluations WHERE " + where + " LIMIT ?2");
      select.bind(1, cutoff).bind(2, limits_.batchRows);
      while (select.step()) keys.emplace_back(select.text(0), select.text(1));
    }
    if (keys.empty()) return true;
    Statement tombstone(db_, kTombstone);
    Statement dropHistory(db_, "DELETE FROM history WHERE org_id=?1 AND evaluation_id=?2");
    // The write-back outbox row only mirrors the record; a restored record is simply written again.
    Statement dropWriteBack(db_, "DELETE FROM writeback_rows WHERE org_id=?1 AND evaluation_id=?2");
    Statement dropRecord(db_, "DELETE FROM evaluations WHERE org_id=?1 AND evaluation_id=?2");
    long long rows = 0;
    for (const auto& [org, evaluation] : keys) {
      tombstone.reset();
      tombstone.bind(1, org).bind(2, evaluation).bind(3, now).run();
      dropHistory.reset();
      dropHistory.bind(1, org).bind(2, evaluation).run();
      const int historyRows = db_.changes();
      dropWriteBack.reset();
      dropWriteBack.bind(1, org).bind(2, evaluation).run();
      dropRecord.reset();
      dropRecord.bind(1, org).bind(2, evaluation).run();
      PruneCounts& counts = report.byOrg[org];
      (closed ? counts.closed : counts.skipped) += 1;
      counts.history += historyRows;
      rows += 1 + historyRows;
      if (rows >= limits_.batchRows) break;  // the rest is selected again by the next batch
    }
    transaction.commit();
    ++report.batches;
  }
}

bool Retention::pruneLeanSkipped(const std::string& cutoff, PruneReport& report,
                                 const std::function<bool()>& keepGoing) {
  SkippedRecords lean(db_);
  for (;;) {
    if (!nextBatch(report, keepGoing)) return false;
    Transaction transaction(db_);
    const auto deleted = lean.deleteOlderThan(cutoff, limits_.batchRows);
    if (deleted.empty()) return true;
    for (const auto& [org, historyRows] : deleted) {
      report.byOrg[org].skipped += 1;
      report.byOrg[org].history += historyRows;
    }
    transaction.commit();
    ++report.batches;
  }
}

bool Retention::pruneOldHistory(const std::string& cutoff, PruneReport& report,
                                const std::function<bool()>& keepGoing) {
  for (;;) {
    if (!nextBatch(report, keepGoing)) return false;
    Transaction transaction(db_);
    std::vector<std::pair<std::int64_t, std::string>> rows;
    {
      Statement select(db_, "SELECT h.id, h.org_id FROM history h WHERE " + kOldHistory + " LIMIT ?2");
      select.bind(1, cutoff).bind(2, limits_.batchRows);
      while (select.step()) rows.emplace_back(select.integer(0), select.text(1));
    }
    if (rows.empty()) return true;
    Statement drop(db_, "DELETE FROM history WHERE id=?1");
    for (const auto& [id, org] : rows) {
      drop.reset();
      drop.bind(1, id).run();
      report.byOrg[org].history += 1;
    }
    transaction.commit();
    ++report.batches;
  }
}

std::string describe(const PruneCounts& counts) {
  return std::to_string(counts.skipped) + " skipped record(s), " + std::to_string(counts.closed) +
         " record(s) with a final incident, " + std::to_string(counts.history) + " history row(s)";
}

std::string formatIsoDuration(long long seconds) {
  if (seconds <= 0) return "PT0S";
  const long long days = seconds / 86400;
  const long long hours = seconds % 86400 / 3600;
  const long long minutes = seconds % 3600 / 60;
  const long long rest = seconds % 60;
  std::string text = "P";
  if (days > 0) text += std::to_string(days) + "D";
  if (hours > 0 || minutes > 0 || rest > 0) {
    text += "T";
    if (hours > 0) text += std::to_string(hours) + "H";
    if (minutes > 0) text += std::to_string(minutes) + "M";
    if (rest > 0) text += std::to_string(rest) + "S";
  }
  return text;
}

}  // namespace evalbridge
