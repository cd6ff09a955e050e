#pragma once
// The lean side of the ledger (db/004_lean_skipped.sql): evaluations the mapping skipped that never
// reached ServiceNow, stored as key, changedDate and a short reason code, about a tenth of a full
// row. Ledger decides what goes here; readers see these rows through the ledger_records view. Call
// inside the ledger's transaction: every method is one or two statements on its connection.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace evalbridge {

class Database;

class SkippedRecords {
 public:
  explicit SkippedRecords(Database& db) : db_(db) {}

  // A changedDate as a lean row keeps it: Unix seconds, or null for "" (no date). Nothing when
  // it would not read back as the same text (only the ledger's own ISO form does): the record
  // then keeps a full row, so nothing is altered.
  using LeanTime = std::optional<std::int64_t>;
  static std::optional<LeanTime> leanTime(const std::string& changedDate);

  void insert(const std::string& orgId, const std::string& orgName, const std::string& evaluationId,
              const LeanTime& changedAt, const std::string& reason);
  // Removes the lean row (the record is becoming a full one); false when there was none.
  bool remove(const std::string& orgId, const std::string& evaluationId);

  // orgId -> count of lean rows (for ledger stats and /metrics).
  std::map<std::string, long long> countByOrg() const;
  // orgId -> lean rows last changed before `cutoff` (ISO), and their history rows (a skip migrated
  // from schema 3 keeps the history it had).
  void countOlderThan(const std::string& cutoff, std::map<std::string, long long>& records,
                      std::map<std::string, long long>& history) const;
  // Deletes up to `limit` lean rows changed before `cutoff` and their history; returns
  // (orgId, history rows) per record deleted.
  std::vector<std::pair<std::string, long long>> deleteOlderThan(const std::string& cutoff, int limit);

  // Call when the transaction that called insert() ends. The org and reason keys it read are
  // remembered only if it committed: a key written by a rolled-back transaction may later be
  // given to another row.
  void transactionEnded(bool committed);

 private:
  using Keys = std::map<std::string, std::int64_t>;
  std::int64_t orgKey(const std::string& orgId, const std::string& orgName);
  std::int64_t reasonKey(const std::string& reason);
  std::int64_t readOrgKey(const std::string& orgId, const std::string& orgName);
  std::int64_t readReasonKey(const std::string& reason);
  // The key under `name` in `known` or `tentative`, else `read()`'s answer, remembered as tentative.
  static std::int64_t cachedKey(Keys& known, Keys& tentative, const std::string& name,
                                const std::function<std::int64_t()>& read);

  Database& db_;
  // Keys never change once committed (rows of ledger_orgs and skip_reasons are never deleted), so
  // the two upserts per skipped evaluation run once per org and reason. Guarded by the
  // transaction's connection lock, like every call here.
  Keys knownOrgs_, knownReasons_, tentativeOrgs_, tentativeReasons_;
};

}  // namespace evalbridge
