#pragma once
// The bridge's memory (SPEC section 5). Every exported evaluation gets one row keyed by
// (orgId, evaluationId); the intent to create or update an incident is committed here before any
// request leaves, and the outcome after. Thread-safe: one connection, serialized.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ledger/GroupCommit.h"
#include "ledger/LeaseToken.h"
#include "ledger/LedgerRecord.h"

namespace evalbridge {

class Database;
class OrgFence;
class SkippedRecords;

// One exported evaluation after mapping: what the ledger is told.
struct Observation {
  std::string orgId;
  std::string orgName;
  std::string evaluationId;
  std::string changedDate;  // ISO 8601 from the evaluation; "" when absent
  // changedDate as Unix seconds, when the caller parsed it and changedDate is then formatIsoTime's
  // text of it (observationOf): the ledger does not parse it a second time.
  std::optional<std::int64_t> changedAt;
  bool matched = false;
  std::string fieldsJson;   // mapped fields when matched
  std::string skipReason;   // when not matched
  std::string rawJson;      // the evaluation, kept while the record is pending or dead
  std::string deadReason;   // set for a record that cannot be mapped at all (goes to the dead letter)
  // The mapping says "afterClose": "followUp": a changed evaluation whose incident ServiceNow
  // resolved, closed or canceled gets a new incident referencing it (instead of a work note).
  bool followUpAfterClose = false;
};

// What the ledger decided for an observation.
enum class Decision {
  Create,     // new pending create: deliver it
  Update,     // pending update of an existing incident: deliver it
  Skip,       // recorded as skipped (new, or still not matching)
  Dead,       // recorded in the dead letter (malformed record)
  Unchanged,  // seen before with the same content (window overlap): nothing to do
  Stale,      // older than what the ledger has (out-of-order export): ignored
  StillDead,  // in the dead letter with the same content: waits for `ledger replay`
};
const char* toString(Decision decision);

// A dead record's raw evaluation mapped again with the org's current mapping (`ledger replay`).
struct Remapping {
  bool matched = false;
  std::string fieldsJson;  // when matched
  std::string skipReason;  // when not
};

struct StatusCounts {
  std::map<std::string, long long> byStatus;  // status name -> count
  long long total = 0;
};

struct RecordFilter {
  std::optional<std::string> orgId;
  std::optional<RecordStatus> status;
  std::optional<std::string> incidentState;
  int limit = 1000;
};

struct HistoryEntry {
  std::string at;
  std::string event;
  std::string detail;
};

class Ledger {
 public:
  // Opens (creating if needed) and migrates the ledger: a SQLite file path, or a PostgreSQL URL
  // with its password given apart (see openDatabase).
  explicit Ledger(const std::string& location, const std::string& password = "");
  ~Ledger();

  const std::string& path() const;
  // The underlying connection, for stores that keep their own tables in the same file
  // (e.g. incident state sync); use Transaction/Statement on it.
  Database& database() const { return *db_; }
  int schemaVersion() const;

  // Where new lean skips go: written with the page, or (the sweep's pages) buffered as
  // bufferSkips() allows.
  enum class SkipWrites { WithPage, Buffered };
  // Records a batch of observations in one transaction; returns one decision per observation.
  std::vector<Decision> observe(const std::vector<Observation>& observations,
                                SkipWrites skipWrites = SkipWrites::WithPage);

  std::optional<LedgerRecord> find(const std::string& orgId, const std::string& evaluationId) const;
  // The record as find() reads it, but only when it is pending (else nothing), and without its
  // raw text (rawJson empty): what a delivery reads of each record, once it holds its claim.
  std::optional<LedgerRecord> findPending(const std::string& orgId, const std::string& evaluationId) const;
  // Accepts "orgId:evaluationId", a correlation_id, an evaluation id (if unique) or an incident number.
  std::optional<LedgerRecord> findByKey(const std::string& key) const;
  std::vector<LedgerRecord> list(const RecordFilter& filter) const;
  // The org's pending records, without their raw text (as findPending reads them).
  std::vector<LedgerRecord> pending(const std::string& orgId) const;
  // The keys (orgId:evaluationId) of the same records, without reading them: the sync asks after
  // every window whether anything is left, and the records carry their raw text.
  std::vector<std::string> pendingKeys(const std::string& orgId) const;

  // Outcomes. Each returns once its write is committed; concurrent callers share commits
  // (GroupCommit), so many delivery workers do not wait for one fsync each.
  // With `sent`, an outcome for content that changed since it was read (a rescore observed while
  // the request was out) records the incident and leaves the record pending as an update of it,
  // with `sent`'s fields as what the incident has; one for a correlation_id the record no longer
  // follows (a follow-up replaced it) is kept in the history only.
  // With a fence, `begunUnder` is the lease the delivery began under (currentLease): an outcome
  // is refused (LeaseLost) once this replica holds the org under another one.
  void markDelivered(const std::string& orgId, const std::string& evaluationId, const IncidentRef& incident,
                     const std::optional<SentContent>& sent = std::nullopt, LeaseToken begunUnder = kAnyLease);
  // As markDelivered, without waiting: the write joins the next outcome commit and `committed`
  // runs once it has ended (nullptr, or the failure), on the committing thread. Until then the
  // record still reads as pending, so the caller must keep it from being delivered again (the
  // sink holds its claim until `committed`). flushOutcomes() waits for every such write.
  void markDeliveredLater(const std::string& orgId, const std::string& evaluationId, const IncidentRef& incident,
                          const std::optional<SentContent>& sent, GroupCommit::Committed committed,
                          LeaseToken begunUnder = kAnyLease);
  void flushOutcomes();
  void markAttemptFailed(const std::string& orgId, const std::string& evaluationId, const std::string& error,
                         LeaseToken begunUnder = kAnyLease);
  void markDead(const std::string& orgId, const std::string& evaluationId, const std::string& reason,
                LeaseToken begunUnder = kAnyLease);
  // Moves dead records back to pending (create, or update when an incident is known).
  // Returns the number moved. `orgId`/`evaluationId` empty = every dead record.
  int replay(const std::string& orgId, const std::string& evaluationId);
  // Moves one dead record back to pending with freshly mapped fields: a create, or an update when
  // an incident is known. One that no longer matches becomes skipped when it has no incident (a
  // pending update with a work note when it has one). Returns false when the record is not dead.
  bool replayRemapped(const std::string& orgId, const std::string& evaluationId, const Remapping& remapping);

  std::map<std::string, StatusCounts> statsByOrg() const;  // orgId -> counts
  std::vector<HistoryEntry> history(const std::string& orgId, const std::string& evaluationId) const;
  void addHistory(const std::string& orgId, const std::string& evaluationId, const std::string& event,
                  const std::string& detail);

  // Replicas sharing the ledger: from now on every write for an org (observations, outcomes,
  // checkpoints) first checks `fence` in its transaction, and checkFence() answers for a request
  // about to leave. Set before any worker starts; nullptr (the default) checks nothing.
  void setFence(OrgFence* fence) { fence_ = fence; }
  // Before a request to ServiceNow: throws LeaseLost when a fence is set and this replica no
  // longer holds the org (under `begunUnder`, unless kAnyLease), or is handing it over.
  void checkFence(const std::string& orgId, LeaseToken begunUnder = kAnyLease);
  // The lease this replica holds the org under now: work that begins records it and is held to it
  // (OrgFence.h). kAnyLease without a fence.
  LeaseToken currentLease(const std::string& orgId) const;

  std::optional<std::string> checkpoint(const std::string& orgId) const;
  // Also writes the org's buffered skips, in the same transaction: a checkpoint never passes a
  // skip that is not in the ledger.
  void setCheckpoint(const std::string& orgId, const std::string& orgName, const std::string& windowEnd);

  // Lets up to `rows` new lean skips of SkipWrites::Buffered pages wait in memory before they are
  // written (SkipBuffer.h says why), about 150 bytes each; 0, the default, buffers none. A
  // buffered skip reads as a written one through this object; other connections see it once
  // its org's checkpoint, a full buffer, a page written with its skips or flushSkips() writes it.
  void bufferSkips(std::size_t rows) { skipBufferRows_ = rows; }
  // Writes every buffered skip, each org in its own transaction (an org whose lease is gone has
  // its skips dropped: they are read again with their window). Const because what the ledger
  // holds does not change, only where; readers of lean rows by other keys call it first.
  void flushSkips() const;
  // The org's lease changed (acquired, lost or released), so another replica may have worked it
  // meanwhile. Drops its buffered skips unwritten (that replica may have changed their records),
  // and until beginSweep(orgId) the sweep that began before: setCheckpoint(orgId) refuses
  // (LeaseLost), so it never checkpoints past what it dropped; OrgSync ends it at its next page;
  // and each create of the org looks its correlation_id up first (that replica may have posted an
  // intent this one queued, or one it wrote, and died before recording the answer). The next
  // sweep settles every pending record first, looking each one up.
  void leaseChanged(const std::string& orgId) const;
  bool leaseChangedDuringSweep(const std::string& orgId) const;
  // A sweep of the org starts (from its checkpoint).
  void beginSweep(const std::string& orgId);

 private:
  // observe() without writing a full buffer: the page's one transaction.
  std::vector<Decision> observePage(const std::vector<Observation>& observations, SkipWrites skipWrites);
  // `unseen`: the ledger has no row and no tombstone for it (known from the page's one lookup).
  Decision observeOne(const Observation& observation, bool unseen);
  // Which of `evaluationIds` (one org's) the ledger has neither a record nor a tombstone of.
  std::set<std::string> unseenOf(const std::string& orgId, const std::vector<std::string>& evaluationIds) const;
  void fenceWrite(const std::string& orgId, LeaseToken begunUnder = kAnyLease) const;  // in the write's transaction
  void writeDelivered(const std::string& orgId, const std::string& evaluationId, const IncidentRef& incident,
                      const std::optional<SentContent>& sent, LeaseToken begunUnder);
  Decision recordFollowUp(const Observation& observation, const LedgerRecord& row);
  Decision deadLetterChange(const Observation& observation, const std::string& rawHash);
  // A record pruned with a tombstone (Retention) whose evaluation is exported again is put back
  // as it was when pruned, so it is decided as if it had never gone: never a second create.
  std::optional<LedgerRecord> restorePruned(const Observation& observation);
  // What findPending reads through: a second connection, opened on first use, so a delivery's
  // read of its record does not wait while a page's intents or a batch of outcomes commit (SQLite
  // in WAL mode and PostgreSQL both let a reader see what is committed while a writer works). It
  // sees only what is committed, as the main connection does between transactions. An in-memory
  // ledger has no second connection that would see it, and one that cannot be opened is logged
  // once: there, the main one.
  Database& readConnection() const;
  std::unique_ptr<Database> db_;
  // As given, to open the second connection (a PostgreSQL URL's settings, its password apart);
  // never printed: path() is the printable form.
  std::string location_;
  std::string password_;
  mutable std::mutex readConnectionMutex_;
  mutable std::unique_ptr<Database> reads_;
  mutable bool readsRefused_ = false;  // the second connection could not be opened: the first reads
  std::unique_ptr<GroupCommit> outcomes_;  // markDelivered / markAttemptFailed / markDead
  std::unique_ptr<SkippedRecords> skipped_;  // lean rows of skips that never reached ServiceNow
  std::size_t skipBufferRows_ = 0;
  mutable std::mutex leaseChangesMutex_;
  mutable std::set<std::string> leaseChanged_;  // orgs whose lease changed since their sweep began
  OrgFence* fence_ = nullptr;
  int schemaVersion_ = 0;
};

// SHA-256 hex of the text (content hashes in the ledger).
std::string sha256Hex(const std::string& text);

// Now as "YYYY-MM-DDTHH:MM:SSZ" (UTC).
std::string utcNowIso();

}  // namespace evalbridge
