#pragma once
// Incident state coming back from ServiceNow (webhook or polling, SPEC section 7), mirrored into
// the ledger's evaluations rows, plus the bookkeeping around it kept in the same SQLite file
// (db/002_incident_sync.sql): the poll cursor, the write-back outbox and seen webhook signatures.
//
// Updates are ordered by sys_mod_count (falling back to sys_updated_on when a side lacks it): an
// update older than what the ledger has is out of order, an equal one a duplicate; neither
// changes anything. The bridge's own PATCHes are recorded with the mod count ServiceNow returned,
// so hearing about them again (a poll) is a duplicate, never an echo.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace evalbridge {

class Ledger;

struct IncidentStateUpdate {
  std::string correlationId;  // evalbridge:{orgId}:{evaluationId}
  std::string sysId;
  std::string number;
  std::string state;
  std::string updatedOn;      // "YYYY-MM-DD HH:MM:SS" (UTC, as the Table API returns it)
  std::optional<std::int64_t> modCount;
  // Absent = not sent (the ledger keeps what it has); present and empty = cleared.
  std::optional<std::string> assignmentGroup;
  std::optional<std::string> closeCode;
  std::optional<std::string> closeNotes;
};

enum class StateOutcome {
  Applied,     // newer than the ledger: recorded
  Duplicate,   // the ledger already has this version (same mod count / timestamp)
  OutOfOrder,  // older than what the ledger has
  Replayed,    // the very same signed webhook delivery was accepted before
  Unknown,     // no ledger record with an incident for this correlation_id (another bridge's org?)
};
const char* toString(StateOutcome outcome);

struct StateResult {
  StateOutcome outcome = StateOutcome::Unknown;
  std::string orgId;
  std::string orgName;
  std::string evaluationId;
  std::string previousState;
  std::string detail;  // for logs
};

// A signed webhook delivery, remembered so the same request cannot be applied twice.
struct WebhookDelivery {
  std::string signature;
  std::int64_t receivedAt = 0;  // Unix seconds
  int forgetAfterS = 600;       // longer than the timestamp window
};

struct PollCursor {
  std::string updatedOn;  // last sys_updated_on read
  std::string sysId;      // last sys_id read in that second
};

// An evaluation whose Genesys data table row is due: its incident number or state differs from
// what was last written.
struct WriteBackDue {
  std::string orgId;
  std::string evaluationId;
  std::string sysId;
  std::string number;
  std::string state;
  int attempts = 0;
  // A row was written for this evaluation before, so it exists in the data table (update it with
  // PUT); otherwise it is created with POST.
  bool rowWritten = false;
};

class IncidentStateStore {
 public:
  explicit IncidentStateStore(Ledger& ledger);

  // Records the update when it is newer; `source` ("webhook", "poll") goes into the history.
  // With a delivery, the replay check, the signature and the state change are one transaction.
  StateResult apply(const IncidentStateUpdate& update, const std::string& source,
                    const std::optional<WebhookDelivery>& delivery = std::nullopt);

  std::optional<PollCursor> pollCursor(const std::string& table) const;
  void savePollCursor(const std::string& table, const PollCursor& cursor);

  std::vector<WriteBackDue> dueWriteBacks(const std::string& orgId, const std::string& datatableId, int limit) const;
  void markWrittenBack(const WriteBackDue& row, const std::string& datatableId);
  void markWriteBackFailed(const WriteBackDue& row, const std::string& datatableId, const std::string& error);

  // orgId -> incident state -> number of ledger records with an incident in that state.
  std::map<std::string, std::map<std::string, long long>> incidentStateCounts() const;

 private:
  Ledger& ledger_;
};

}  // namespace evalbridge
