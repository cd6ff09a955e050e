#include "sim/EncodedQuery.h"

#include <Poco/Exception.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <regex>

namespace evalbridge::sim {
namespace {

// Longest first, so ">=" is not read as ">" and "ISNOTEMPTY" not as "IN".
const char* const kOperators[] = {
    "ISNOTEMPTY", "ISEMPTY", "STARTSWITH", "ENDSWITH", "NOT LIKE", "NOTLIKE", "NOT IN", "LIKE",
    "IN",         "!=",      ">=",         "<=",       "=",        ">",       "<"};

std::vector<std::string> splitOn(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + separator.size();
  }
}

// Numbers compare as numbers (sys_mod_count, urgency); everything else as text, which orders
// ServiceNow's "YYYY-MM-DD HH:MM:SS" dates and hex sys_ids correctly.
int compareValues(const std::string& a, const std::string& b) {
  double x = 0, y = 0;
  if (Poco::NumberParser::tryParseFloat(a, x) && Poco::NumberParser::tryParseFloat(b, y)) {
    return x < y ? -1 : (y < x ? 1 : 0);
  }
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::string unwrapDateGenerate(const std::string& value) {
  static const std::regex dateGenerate(R"(javascript:gs\.dateGenerate\('([^']*)',\s*'([^']*)'\))");
  std::smatch match;
  if (std::regex_match(value, match, dateGenerate)) return match[1].str() + " " + match[2].str();
  return value;
}

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

EncodedQuery::Condition EncodedQuery::parseCondition(const std::string& term) {
  std::size_t nameEnd = 0;
  while (nameEnd < term.size() &&
         (std::islower(static_cast<unsigned char>(term[nameEnd])) ||
          std::isdigit(static_cast<unsigned char>(term[nameEnd])) || term[nameEnd] == '_' || term[nameEnd] == '.')) {
    ++nameEnd;
  }
  if (nameEnd == 0) throw Poco::InvalidArgumentException("sysparm_query: unsupported term '" + term + "'");
  const std::string rest = term.substr(nameEnd);
  for (const char* op : kOperators) {
    const std::string candidate(op);
    if (rest.compare(0, candidate.size(), candidate) != 0) continue;
    Condition condition{term.substr(0, nameEnd), candidate, unwrapDateGenerate(rest.substr(candidate.size()))};
    if ((candidate == "ISEMPTY" || candidate == "ISNOTEMPTY") && !condition.value.empty()) break;
    return condition;
  }
  throw Poco::InvalidArgumentException("sysparm_query: unsupported operator in '" + term + "'");
}

EncodedQuery EncodedQuery::parse(const std::string& text) {
  EncodedQuery query;
  if (text.empty()) return query;
  for (const std::string& term : splitOn(text, "^")) {
    if (term.empty()) continue;
    if (term.rfind("ORDERBYDESC", 0) == 0) {
      query.orderings_.push_back({term.substr(11), true});
    } else if (term.rfind("ORDERBY", 0) == 0) {
      query.orderings_.push_back({term.substr(7), false});
    } else if (term.rfind("OR", 0) == 0 || term.rfind("NQ", 0) == 0 || term == "EQ") {
      throw Poco::InvalidArgumentException("sysparm_query: OR / NQ terms are not supported by the simulator");
    } else {
      query.conditions_.push_back(parseCondition(term));
    }
  }
  for (const auto& ordering : query.orderings_) {
    if (ordering.field.empty()) throw Poco::InvalidArgumentException("sysparm_query: ORDERBY without a field");
  }
  return query;
}

bool EncodedQuery::holds(const Condition& condition, const std::string& actual) {
  const std::string& op = condition.op;
  const std::string& value = condition.value;
  if (op == "=") return actual == value;
  if (op == "!=") return actual != value;
  if (op == ">") return compareValues(actual, value) > 0;
  if (op == ">=") return compareValues(actual, value) >= 0;
  if (op == "<") return compareValues(actual, value) < 0;
  if (op == "<=") return compareValues(actual, value) <= 0;
  if (op == "STARTSWITH") return actual.compare(0, value.size(), value) == 0;
  if (op == "ENDSWITH") return endsWith(actual, value);
  if (op == "LIKE") return actual.find(value) != std::string::npos;
  if (op == "NOTLIKE" || op == "NOT LIKE") return actual.find(value) == std::string::npos;
  if (op == "ISEMPTY") return actual.empty();
  if (op == "ISNOTEMPTY") return !actual.empty();
  const auto items = splitOn(value, ",");
  const bool listed = std::find(items.begin(), items.end(), actual) != items.end();
  return op == "IN" ? listed : !listed;
}

bool EncodedQuery::matches(const Fields& record) const {
  for (const auto& condition : conditions_) {
    auto it = record.find(condition.field);
    if (!holds(condition, it == record.end() ? std::string() : it->second)) return false;
  }
  return true;
}

bool EncodedQuery::before(const Fields& a, const Fields& b) const {
  for (const auto& ordering : orderings_) {
    auto ia = a.find(ordering.field);
    auto ib = b.find(ordering.field);
    const int order = compareValues(ia == a.end() ? "" : ia->second, ib == b.end() ? "" : ib->second);
    if (order != 0) return ordering.descending ? order > 0 : order < 0;
  }
  return false;
}

}  // namespace evalbridge::sim
