#pragma once
// Lean skips waiting to be written (SkippedRecords' write-behind), and the undo of the changes
// the current transaction made to them.
//
// Why: evaluation ids are random, so each skip lands on its own page of the skipped_records
// B-tree, and a commit rewrites every page it touched. Written page by page (100 skips per
// commit), an export costs about one 4 KiB page write per skip. Written in thousands, sorted,
// the same pages take many skips each. Nothing is lost by waiting: a window's checkpoint is
// written only with its org's skips (Ledger::setCheckpoint), so a skip lost to a crash is read
// again with its window.
//
// Not thread-safe: the ledger calls it with its connection's mutex held.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evalbridge {

class SkipBuffer {
 public:
  struct Row {
    std::int64_t orgKey = 0;
    std::optional<std::int64_t> changedAt;  // Unix seconds; none for a record without a date
    std::int64_t reasonKey = 0;
    std::int64_t seenAt = 0;  // Unix seconds: first seen, and last updated
  };
  // By evaluation id, so written in key order.
  using OrgRows = std::pmr::map<std::pmr::string, Row, std::less<>>;

  void add(const std::string& orgId, const std::string& evaluationId, const Row& row);
  const Row* find(const std::string& orgId, const std::string& evaluationId) const;
  // False when the buffer has no such row.
  bool erase(const std::string& orgId, const std::string& evaluationId);
  // The org's rows, taken out to be written; they come back if the transaction rolls back. The
  // reference is valid until transactionEnded().
  const OrgRows& take(const std::string& orgId);
  // Drops the org's rows for good (a rollback does not bring them back); false when it had none.
  bool discard(const std::string& orgId);

  std::size_t size() const { return size_; }
  std::map<std::string, long long> countByOrg() const;
  std::vector<std::string> orgs() const;

  // Ends the current transaction's changes: kept if it committed, undone (in reverse) if not.
  void transactionEnded(bool committed);

 private:
  // One org's rows, allocated from their own arena: thousands of small nodes from the general
  // heap fragmented it and slowed every allocation of the export's parse (measured: malloc's
  // share of the CPU tripled). The arena goes with the rows once they are written. It never
  // reuses what an erased row held (a pool resource did, at about 1 MB more peak RSS), so a
  // buffer whose erased rows outnumber its rows is copied into a fresh arena.
  struct OrgBuffer {
    std::pmr::monotonic_buffer_resource arena;
    OrgRows rows{&arena};
    std::size_t erased = 0;
  };
  struct Change {
    enum class Kind { Added, Erased, Taken } kind;
    std::string orgId;
    std::string evaluationId;             // Added, Erased
    Row erased;                           // Erased
    std::unique_ptr<OrgBuffer> taken;     // Taken (null once discarded)
  };
  OrgBuffer& orgBuffer(const std::string& orgId);
  void put(const std::string& orgId, const std::string& evaluationId, const Row& row);
  void drop(const std::string& orgId, const std::string& evaluationId);

  std::map<std::string, std::unique_ptr<OrgBuffer>> orgs_;  // by org id
  std::size_t size_ = 0;
  std::vector<Change> changes_;  // this transaction's
};

}  // namespace evalbridge
