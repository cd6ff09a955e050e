#include "sim/EvaluationSearch.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/String.h>

#include <algorithm>
#include <optional>
#include <regex>

#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

using Poco::JSON::Object;

[[noreturn]] void refuse(const std::string& message) {
  throw Poco::InvalidArgumentException(message);
}

const std::set<std::string> kDateFields = {"conversationDate", "createdDate", "submittedDate", "releaseDate"};

// Every field the official EvaluationSearchCriteriaDTO documents, and the EXACT ones the
// simulator evaluates (the rest are refused by name rather than silently ignored).
const std::set<std::string> kDocumentedFields = {
    "evaluationId", "conversationId", "contextId", "formId", "evaluationStatus", "queueId", "agentTeamId",
    "divisionId", "agentId", "evaluatorId", "assigneeId", "totalScore", "totalCriticalScore", "conversationDate",
    "createdDate", "submittedDate", "releaseDate", "released", "mediaType", "questionGroupId",
    "questionGroupMarkedNA", "questionGroupScore", "criticalQuestionGroupScore", "questionGroupScorePercentage",
    "criticalQuestionGroupScorePercentage", "questionId", "questionAnswerId", "questionScore", "questionMarkedNA",
    "failedKillQuestion"};

void allowOnly(const Object::Ptr& object, const std::set<std::string>& keys, const std::string& where) {
  for (const auto& [key, value] : *object) {
    if (!keys.count(key)) refuse(where + key + ": not a property of the request model");
  }
}

std::optional<std::string> optString(const Object::Ptr& object, const std::string& key, const std::string& where) {
  if (!object->has(key) || object->get(key).isEmpty()) return std::nullopt;
  if (!object->get(key).isString()) refuse(where + key + ": must be a string");
  return object->getValue<std::string>(key);
}

std::optional<int> optInt(const Object::Ptr& object, const std::string& key) {
  if (!object->has(key) || object->get(key).isEmpty()) return std::nullopt;
  if (!object->get(key).isInteger()) refuse(key + ": must be an integer");
  const auto wide = object->get(key).convert<Poco::Int64>();
  // Clamped, not wrapped: a huge value must still fail the range checks, not become small.
  return static_cast<int>(std::clamp<Poco::Int64>(wide, -1, 1000000000));
}

// The documented date format, yyyy-MM-dd'T'HH:mm:ss.SSS'Z', and nothing else.
Poco::Timestamp searchDate(const std::string& text, const std::string& where) {
  static const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  const auto parsed = std::regex_match(text, shape) ? parseIso8601(text) : std::nullopt;
  if (!parsed) refuse(where + ": '" + text + "' is not in the format yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
  return *parsed;
}

const std::set<std::string> kExactFields = {"evaluationId", "evaluationStatus", "conversationId", "agentId",
                                            "evaluatorId",  "queueId",          "formId",         "mediaType"};

}  // namespace

EvaluationSearch::EvaluationSearch(const Object::Ptr& request) {
  allowOnly(request, {"query", "aggregations", "pageSize", "pageNumber", "sortOrder", "sortBy", "systemSubmitted"}, "");
  if (request->has("aggregations") && !request->get("aggregations").isEmpty()) {
    auto aggregations = request->getArray("aggregations");
    if (!aggregations || aggregations->size() > 0) refuse("aggregations: not supported by the simulator");
  }
  if (request->has("systemSubmitted") && !request->get("systemSubmitted").isEmpty()) {
    if (!request->get("systemSubmitted").isBoolean()) refuse("systemSubmitted: must be true or false");
    systemSubmitted_ = request->getValue<bool>("systemSubmitted");
  }

  const auto pageNumber = optInt(request, "pageNumber");
  if (!pageNumber) refuse("pageNumber: is required");
  if (*pageNumber < 1) refuse("pageNumber: must be >= 1");
  pageNumber_ = *pageNumber;
  pageSize_ = optInt(request, "pageSize").value_or(kDefaultPageSize);
  if (pageSize_ < 1 || pageSize_ > kMaxPageSize) {
    refuse("pageSize: must be 1.." + std::to_string(kMaxPageSize) + " (0 is for aggregations, which the simulator "
           "does not compute)");
  }
  if (static_cast<long long>(pageNumber_) * pageSize_ > kMaxReach) {
    refuse("pageNumber * pageSize must be <= " + std::to_string(kMaxReach) +
           ": results beyond that cannot be paged to; narrow the date range instead");
  }

  const auto sortBy = optString(request, "sortBy", "");
  const auto sortOrder = optString(request, "sortOrder", "");
  if (sortBy.has_value() != sortOrder.has_value()) refuse("sortBy and sortOrder must be given together");
  if (sortBy) {
    if (!kDateFields.count(*sortBy)) {
      refuse("sortBy: '" + *sortBy + "' is not one of conversationDate, createdDate, submittedDate, releaseDate");
    }
    if (Poco::icompare(*sortOrder, "ASC") != 0 && Poco::icompare(*sortOrder, "DESC") != 0) {
      refuse("sortOrder: '" + *sortOrder + "' is not ASC or DESC");
    }
    sortBy_ = *sortBy;
    descending_ = Poco::icompare(*sortOrder, "DESC") == 0;
  }

  if (!request->has("query") || !request->getArray("query")) refuse("query: an array of criteria is required");
  auto query = request->getArray("query");
  for (std::size_t i = 0; i < query->size(); ++i) {
    const std::string where = "query[" + std::to_string(i) + "]";
    auto criterion = query->getObject(static_cast<unsigned>(i));
    if (!criterion) refuse(where + ": must be an object");
    readCriterion(criterion, where);
  }
  if (rangeField_.empty()) refuse("query: a DATE_RANGE criterion (at most 90 days) is required");
}

void EvaluationSearch::readCriterion(const Object::Ptr& criterion, const std::string& where) {
  allowOnly(criterion, {"type", "field", "startValue", "endValue", "values", "value", "operator"}, where + ".");
  const std::string type = Poco::toUpper(optString(criterion, "type", where + ".").value_or(""));
  const std::string field = optString(criterion, "field", where + ".").value_or("");
  if (type.empty() || field.empty()) refuse(where + ": type and field are required");
  if (!kDocumentedFields.count(field)) refuse(where + ".field: '" + field + "' is not a searchable field");
  const std::string op = Poco::toUpper(optString(criterion, "operator", where + ".").value_or("AND"));
  if (op != "AND" && op != "NOT") refuse(where + ".operator: must be AND or NOT");

  if (type == "DATE_RANGE") {
    if (!kDateFields.count(field)) {
      refuse(where + ".field: a DATE_RANGE is on conversationDate, createdDate, submittedDate or releaseDate");
    }
    if (!rangeField_.empty()) refuse(where + ": only one DATE_RANGE criterion is allowed");
    if (op == "NOT") refuse(where + ".operator: the DATE_RANGE cannot be negated");
    const auto start = optString(criterion, "startValue", where + ".");
    const auto end = optString(criterion, "endValue", where + ".");
    if (!start || !end) refuse(where + ": a DATE_RANGE needs startValue and endValue");
    rangeStart_ = searchDate(*start, where + ".startValue");
    rangeEnd_ = searchDate(*end, where + ".endValue");
    if (rangeEnd_ < rangeStart_) refuse(where + ": endValue is before startValue");
    const Poco::Timestamp::TimeDiff limit = Poco::Timestamp::TimeDiff{kMaxRangeDays} * 24 * 3600 *
                                            Poco::Timestamp::resolution();
    if (rangeEnd_ - rangeStart_ > limit) {
      refuse(where + ": the date range is longer than the limit of " + std::to_string(kMaxRangeDays) +
             " days (3 months); split it");
    }
    rangeField_ = field;
    return;
  }
  if (type != "EXACT") refuse(where + ".type: '" + type + "' is not supported by the simulator (DATE_RANGE, EXACT)");
  if (!kExactFields.count(field)) refuse(where + ".field: EXACT on '" + field + "' is not supported by the simulator");
  Exact exact;
  exact.field = field;
  exact.negated = op == "NOT";
  if (auto value = optString(criterion, "value", where + ".")) exact.values.insert(*value);
  if (criterion->has("values") && !criterion->get("values").isEmpty()) {
    auto values = criterion->getArray("values");
    if (!values) refuse(where + ".values: must be an array of strings");
    for (const auto& value : *values) {
      if (!value.isString()) refuse(where + ".values: must be an array of strings");
      exact.values.insert(value.toString());
    }
  }
  if (exact.values.empty()) refuse(where + ": EXACT needs value or values");
  exact_.push_back(std::move(exact));
}

}  // namespace evalbridge::sim
