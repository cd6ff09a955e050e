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

  // True when the times can be kept as Unix seconds and read back as the same text ("" or the
  // ledger's own ISO form): otherwise the record keeps a full row, so nothing is altered.
  static bool representable(const std::string& changedDate);

  void insert(const std::string& orgId, const std::string& orgName, const std::string& evaluationId,
              const std::string& changedDate, const std::string& reason);
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

 private:
  std::int64_t orgKey(const std::string& orgId, const std::string& orgName);
  std::int64_t reasonKey(const std::string& reason);

  Database& db_;
};

}  // namespace evalbridge
