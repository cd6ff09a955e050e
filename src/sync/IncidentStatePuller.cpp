#include "sync/IncidentStatePuller.h"

#include <optional>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/Errors.h"
#include "http/RetryLoop.h"
#include "http/RetryPolicy.h"
#include "http/ShutdownToken.h"
#include "servicenow/ServiceNowClient.h"

namespace evalbridge {
namespace {

const char* const kPrefixCondition = "correlation_idSTARTSWITHevalbridge:";
const char* const kFields =
    "sys_id,number,state,correlation_id,sys_updated_on,sys_mod_count,assignment_group,close_code,close_notes";

// ServiceNow ignores a part of an encoded query it cannot apply instead of refusing it (Table API
// docs). Had it ignored a paging condition, the same page would come back for ever (a second with
// a page or more of updates): every record must lie past the cursor the page was asked from, or
// the pull stops with an error instead.
void checkPastCursor(const std::vector<IncidentStateUpdate>& records, const std::string& updatedOn,
                     const std::optional<std::string>& afterSysId) {
  for (const auto& record : records) {
    const bool past = afterSysId ? record.updatedOn == updatedOn && (afterSysId->empty() || record.sysId > *afterSysId)
                                 : updatedOn.empty() || record.updatedOn > updatedOn;
    if (past) continue;
    throw TransientError("polling incident state: ServiceNow answered incident " + record.number + " (sys_updated_on " +
                         record.updatedOn + ", sys_id " + record.sysId + "), which the query excludes (" +
                         (afterSysId ? "sys_updated_on " + updatedOn + ", sys_id after " + *afterSysId
                                     : "sys_updated_on after " + updatedOn) +
                         "): the instance ignored part of the encoded query, so the poll stops here rather than "
                         "read the same page again");
  }
}

}  // namespace

IncidentStateUpdate stateUpdateFrom(const Incident& incident) {
  IncidentStateUpdate update;
  update.correlationId = incident.correlationId;
  update.sysId = incident.sysId;
  update.number = incident.number;
  update.state = incident.state;
  update.updatedOn = incident.updatedOn;
  if (incident.modCount) update.modCount = *incident.modCount;
  update.assignmentGroup = incident.assignmentGroup;
  update.closeCode = incident.closeCode;
  update.closeNotes = incident.closeNotes;
  return update;
}

IncidentStatePuller::IncidentStatePuller(ServiceNowClient& client, IncidentStateStore& store, ShutdownToken& shutdown,
                                         int pageSize, Observer observer)
    : client_(client), store_(store), shutdown_(shutdown), pageSize_(pageSize), observer_(std::move(observer)) {}

std::string IncidentStatePuller::queryAfter(const std::string& updatedOn) {
  std::string query = kPrefixCondition;
  if (!updatedOn.empty()) query += "^sys_updated_on>" + updatedOn;
  return query + "^ORDERBYsys_updated_on^ORDERBYsys_id";
}

std::string IncidentStatePuller::queryWithinSecond(const std::string& updatedOn, const std::string& afterSysId) {
  // ">=" and "<=" rather than "=": the docs list those for date-time fields, not "=".
  std::string query = std::string(kPrefixCondition) + "^sys_updated_on>=" + updatedOn + "^sys_updated_on<=" + updatedOn;
  if (!afterSysId.empty()) query += "^sys_id>" + afterSysId;
  return query + "^ORDERBYsys_id";
}

std::vector<IncidentStateUpdate> IncidentStatePuller::page(const std::string& encodedQuery) {
  const std::string& table = client_.settings().table;
  const std::string path = "/api/now/table/" + table + "?sysparm_query=" + urlEncode(encodedQuery) +
                           "&sysparm_fields=" + urlEncode(kFields) + "&sysparm_limit=" + std::to_string(pageSize_) +
                           "&sysparm_exclude_reference_link=true" + kNoCount;
  // A read changes nothing: throttling, 5xx, resets and unreadable answers go through the one
  // retry loop (servicenow.retry, Retry-After as a floor); other refusals end the pull.
  Poco::JSON::Array::Ptr result;
  auto attempt = [&](int) {
    HttpResponse response = client_.get(path);
    if (isTransientStatus(response.status))
      return AttemptVerdict::retry(describeServiceNowError(response), parseRetryAfter(response.header("Retry-After")));
    if (response.status != 200) throw PermanentError("polling incident state: " + describeServiceNowError(response));
    try {
      Poco::JSON::Parser parser;
      result = parser.parse(response.body).extract<Poco::JSON::Object::Ptr>()->getArray("result");
    } catch (const Poco::Exception& e) {
      return AttemptVerdict::retry("the answer is not Table API JSON: " + e.message());
    }
    if (!result) return AttemptVerdict::retry("the answer has no result array");
    return AttemptVerdict::done();
  };
  const LoopResult loop = runAttempts(client_.settings().retry, shutdown_, attempt);
  if (loop.end != LoopEnd::Settled)
    throw TransientError("polling incident state: " + loop.why + (loop.failure.empty() ? "" : ": " + loop.failure));
  std::vector<IncidentStateUpdate> records;
  for (std::size_t i = 0; i < result->size(); ++i) {
    Incident incident = incidentFromJson(result->getObject(static_cast<unsigned>(i)));
    // Values that could bend the next encoded query are not used as a cursor.
    validateQueryValue(incident.updatedOn, "sys_updated_on");
    validateQueryValue(incident.sysId, "sys_id");
    records.push_back(stateUpdateFrom(incident));
  }
  return records;
}

void IncidentStatePuller::applyAll(const std::vector<IncidentStateUpdate>& records, PullReport& report) {
  ++report.pages;
  for (const auto& record : records) {
    ++report.read;
    StateResult result = store_.apply(record, "poll");
    switch (result.outcome) {
      case StateOutcome::Applied: ++report.applied; break;
      case StateOutcome::Duplicate: ++report.duplicates; break;
      case StateOutcome::OutOfOrder: ++report.outOfOrder; break;
      case StateOutcome::Replayed:
      case StateOutcome::Unknown: ++report.unknown; break;
    }
    if (observer_) observer_(record, result);
  }
}

std::string IncidentStatePuller::drainSecond(const std::string& updatedOn, std::string afterSysId,
                                             PullReport& report) {
  while (!shutdown_.stopRequested()) {
    auto records = page(queryWithinSecond(updatedOn, afterSysId));
    checkPastCursor(records, updatedOn, afterSysId);
    applyAll(records, report);
    if (!records.empty()) afterSysId = records.back().sysId;
    store_.savePollCursor(client_.settings().table, PollCursor{updatedOn, afterSysId});
    if (static_cast<int>(records.size()) < pageSize_) break;
  }
  return afterSysId;
}

PullReport IncidentStatePuller::pullOnce() {
  PullReport report;
  const std::string& table = client_.settings().table;
  try {
    std::string updatedOn = store_.pollCursor(table).value_or(PollCursor{}).updatedOn;
    if (!updatedOn.empty()) {
      validateQueryValue(updatedOn, "poll cursor");
      drainSecond(updatedOn, "", report);  // the last second again, whole
    }
    while (!shutdown_.stopRequested()) {
      auto records = page(queryAfter(updatedOn));
      checkPastCursor(records, updatedOn, std::nullopt);
      applyAll(records, report);
      if (records.empty()) break;
      updatedOn = records.back().updatedOn;
      std::string lastSysId = records.back().sysId;
      store_.savePollCursor(table, PollCursor{updatedOn, lastSysId});
      if (static_cast<int>(records.size()) < pageSize_) break;
      // The page may have stopped inside a second: read the rest of it before moving past it.
      drainSecond(updatedOn, lastSysId, report);
    }
  } catch (const Poco::Exception& e) {
    report.ok = false;
    report.error = e.message();
  }
  return report;
}

}  // namespace evalbridge
