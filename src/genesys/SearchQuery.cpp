#include "genesys/SearchQuery.h"

#include <sstream>

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/Timespan.h>

#include "common/Errors.h"
#include "common/IsoTime.h"

namespace evalbridge {
namespace {

std::optional<Poco::Timestamp> dateOf(const Poco::JSON::Object::Ptr& result, const std::string& field) {
  if (!result || !result->has(field)) return std::nullopt;
  const Poco::Dynamic::Var value = result->get(field);
  if (!value.isString()) return std::nullopt;
  return parseIsoTime(value.toString());
}

}  // namespace

std::string searchDate(const Poco::Timestamp& time) {
  return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%S.%iZ");
}

std::string searchRequestBody(const std::string& dateField, const Poco::Timestamp& from, const Poco::Timestamp& to,
                              int pageSize, int pageNumber) {
  Poco::JSON::Object range(Poco::JSON_PRESERVE_KEY_ORDER);
  range.set("type", "DATE_RANGE");
  range.set("field", dateField);
  range.set("startValue", searchDate(from - Poco::Timespan(0, 1000)));
  range.set("endValue", searchDate(to));
  Poco::JSON::Array query;
  query.add(range);

  Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
  body.set("query", query);
  body.set("pageSize", pageSize);
  body.set("pageNumber", pageNumber);
  body.set("sortBy", dateField);
  body.set("sortOrder", "ASC");
  std::ostringstream text;
  body.stringify(text);
  return text.str();
}

SearchPaging::SearchPaging(const TimeWindow& window, std::string dateField, int pageSize, int maxResults)
    : from_(requireIsoTime(window.start, "window start")),
      to_(requireIsoTime(window.end, "window end")),
      dateField_(std::move(dateField)),
      pageSize_(pageSize),
      maxResults_(maxResults) {}

bool SearchPaging::advance(const std::vector<Poco::JSON::Object::Ptr>& results) {
  if (static_cast<int>(results.size()) < pageSize_) return false;  // a short page is the last one

  // Keyset: valid only when every result lies in the range, in ascending order.
  bool sorted = true;
  Poco::Timestamp last = from_ - Poco::Timespan(0, 1000);  // the request starts 1 ms early
  for (const auto& result : results) {
    const auto date = dateOf(result, dateField_);
    if (!date || *date < last) {
      sorted = false;
      break;
    }
    last = *date;
  }
  outOfOrder_ = outOfOrder_ || !sorted;
  movedByDate_ = !outOfOrder_ && from_ < last;
  if (movedByDate_) {
    from_ = last;
    pageNumber_ = 1;
    return true;
  }
  if (static_cast<long long>(pageNumber_ + 1) * pageSize_ > maxResults_) {
    throw PermanentError(
        std::string("evaluation search: ") +
        (!outOfOrder_ ? "more than genesys.search.maxResults (" + std::to_string(maxResults_) + ") evaluations share " +
                      dateField_ + " " + searchDate(from_)
                : "the results do not come sorted by " + dateField_ + ", and the window [" + searchDate(from_) +
                      ", " + searchDate(to_) + ") holds more than genesys.search.maxResults (" +
                      std::to_string(maxResults_) + ") of them") +
        "; page-number paging cannot reach further. Lower genesys.search.maxWindow so that each window holds "
        "fewer evaluations.");
  }
  ++pageNumber_;
  return true;
}

}  // namespace evalbridge
