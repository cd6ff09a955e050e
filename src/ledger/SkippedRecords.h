#pragma once
// The lean side of the ledger (db/004_lean_skipped.sql): evaluations the mapping skipped that never
// reached ServiceNow, stored as key, changedDate and a short reason code, about a tenth of a full
// row. Ledger decides what goes here; readers see these rows through the ledger_records view. Call
// inside the ledger's transaction: every method is one or two statements on its connection.
//
// New rows wait in a buffer (SkipBuffer.h says why) until the ledger writes them with flush(): an
// org's at its checkpoint, and the rest when the buffer is full or the ledger closes. The ledger
// answers from the buffer first (buffered()), so a buffered row reads as a written one.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ledger/LedgerRecord.h"
#include "ledger/SkipBuffer.h"

namespace evalbridge {

class Database;

class SkippedRecords {
 public:
  explicit SkippedRecords(Database& db) : db_(db) {}

  // A changedDate as a lean row keeps it: Unix seconds, or null for "" (no date). Nothing when
  // it would not read back as the same text (only the ledger's own ISO form does): the record
  // then keeps a full row, so nothing is altered. `parsedAt`: changedDate already parsed, by a
  // caller that wrote changedDate as formatIsoTime's text of it (Observation::changedAt).
  using LeanTime = std::optional<std::int64_t>;
  static std::optional<LeanTime> leanTime(const std::string& changedDate,
                                          const std::optional<std::int64_t>& parsedAt = std::nullopt);

  // Buffers a new lean row.
  void insert(const std::string& orgId, const std::string& orgName, const std::string& evaluationId,
              const LeanTime& changedAt, const std::string& reason);
  // Removes the lean row, buffered or written (the record is becoming a full one); false when
  // there was none.
  bool remove(const std::string& orgId, const std::string& evaluationId);

  // The record of a buffered row, as the ledger_records view would read it once written.
  std::optional<LedgerRecord> buffered(const std::string& orgId, const std::string& evaluationId) const;
  bool isBuffered(const std::string& orgId, const std::string& evaluationId) const {
    return buffer_.find(orgId, evaluationId) != nullptr;
  }
  std::size_t bufferedCount() const { return buffer_.size(); }
  std::vector<std::string> bufferedOrgs() const { return buffer_.orgs(); }
  // Writes the org's buffered rows, in key order. A row whose record has meanwhile become a full
  // one, or that is already written, is left out.
  void flush(const std::string& orgId);
  // Drops the org's buffered rows unwritten (its lease is gone); false when it had none.
  bool discard(const std::string& orgId) { return buffer_.discard(orgId); }

  // orgId -> count of lean rows, written and buffered (for ledger stats and /metrics).
  std::map<std::string, long long> countByOrg() const;
  // orgId -> lean rows last changed before `cutoff` (ISO), and their history rows (a skip migrated
  // from schema 3 keeps the history it had).
  void countOlderThan(const std::string& cutoff, std::map<std::string, long long>& records,
                      std::map<std::string, long long>& history) const;
  // Deletes up to `limit` lean rows changed before `cutoff` and their history; returns
  // (orgId, history rows) per record deleted.
  std::vector<std::pair<std::string, long long>> deleteOlderThan(const std::string& cutoff, int limit);

  // Call when a transaction that called insert(), remove() or flush() ends. The org and reason
  // keys it read are remembered only if it committed (a key written by a rolled-back transaction
  // may later be given to another row), and the buffer's changes are undone if it did not.
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
  SkipBuffer buffer_;
  // Keys never change once committed (rows of ledger_orgs and skip_reasons are never deleted), so
  // the two upserts per skipped evaluation run once per org and reason. Guarded by the
  // transaction's connection lock, like every call here.
  Keys knownOrgs_, knownReasons_, tentativeOrgs_, tentativeReasons_;
};

}  // namespace evalbridge
