#include "ledger/LedgerRecord.h"

#include "common/Errors.h"

namespace evalbridge {

const char* toString(RecordStatus status) {
  switch (status) {
    case RecordStatus::Pending: return "pending";
    case RecordStatus::Created: return "created";
    case RecordStatus::Updated: return "updated";
    case RecordStatus::Skipped: return "skipped";
    case RecordStatus::Dead: return "dead";
  }
  return "unknown";
}

const char* toString(Operation operation) {
  switch (operation) {
    case Operation::None: return "";
    case Operation::Create: return "create";
    case Operation::Update: return "update";
  }
  return "";
}

RecordStatus recordStatusFromString(const std::string& text) {
  if (text == "pending") return RecordStatus::Pending;
  if (text == "created") return RecordStatus::Created;
  if (text == "updated") return RecordStatus::Updated;
  if (text == "skipped") return RecordStatus::Skipped;
  if (text == "dead") return RecordStatus::Dead;
  throw PermanentError("unknown ledger status '" + text +
                       "' (expected pending, created, updated, skipped or dead)");
}

std::string correlationIdFor(const std::string& orgId, const std::string& evaluationId) {
  return "evalbridge:" + orgId + ":" + evaluationId;
}

}  // namespace evalbridge
