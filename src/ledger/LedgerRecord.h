#pragma once
// One row of the ledger: what became of one exported evaluation (see db/001_initial.sql).
#include <cstdint>
#include <optional>
#include <string>

namespace evalbridge {

enum class RecordStatus { Pending, Created, Updated, Skipped, Dead };
enum class Operation { None, Create, Update };

// The content hash that stands for "the mapping did not match", so a record that keeps not
// matching is Unchanged, and one that stops matching is a change. The ledger_records view
// (db/004_lean_skipped.sql) gives lean rows the same text.
inline const std::string kSkippedContentHash = "skipped";

const char* toString(RecordStatus status);
const char* toString(Operation operation);
RecordStatus recordStatusFromString(const std::string& text);  // throws PermanentError

struct IncidentRef {
  std::string sysId;
  std::string number;
  std::string state;
  std::string updatedOn;
  std::optional<std::int64_t> modCount;
};

// What a delivery sent, as it read the record under its claim. The outcome compares it with the
// record as it is then: a rescore observed while the request was out must not be settled by it.
struct SentContent {
  Operation operation = Operation::Create;  // what was sent: a create (POST) or an update (PATCH)
  std::string correlationId;
  std::string contentHash;
  std::string fieldsJson;
};

// How a record is named in logs, claims and the CLI: "orgId:evaluationId".
inline std::string recordKey(const std::string& orgId, const std::string& evaluationId) {
  return orgId + ":" + evaluationId;
}

struct LedgerRecord {
  std::string orgId;
  std::string evaluationId;
  std::string orgName;
  RecordStatus status = RecordStatus::Pending;
  Operation operation = Operation::None;
  std::string correlationId;
  std::string changedDate;
  std::string contentHash;
  std::string fieldsJson;          // mapped incident fields (the intent), "" when skipped
  // For updates: what the incident had, to say what changed. For a create (no incident known):
  // the fields of an earlier intent whose POST may have landed; see IncidentSink::adoptedContent.
  std::string previousFieldsJson;
  std::string rawJson;             // the evaluation as exported; kept while pending or dead
  std::string skipReason;
  IncidentRef incident;            // sysId empty until an incident is known
  std::string assignmentGroup;
  std::string closeCode;
  std::string closeNotes;
  int attempts = 0;
  std::string lastError;
  std::string firstSeenAt;
  std::string updatedAt;

  // "orgId:evaluationId", the key used on the command line.
  std::string key() const { return recordKey(orgId, evaluationId); }
};

// The bridge's correlation_id for an evaluation (SPEC section 4).
std::string correlationIdFor(const std::string& orgId, const std::string& evaluationId);

}  // namespace evalbridge
