#include "genesys/AnalyticsQuery.h"

#include <set>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/Timespan.h>

#include "common/Errors.h"
#include "common/IsoTime.h"
#include "http/HttpClient.h"

namespace evalbridge {
TimeWindow analyticsInterval(const TimeWindow& window, int lookbackS) {
  const Poco::Timestamp start = requireIsoTime(window.start, "window start") - Poco::Timespan(lookbackS, 0);
  return TimeWindow{formatIsoTime(start), window.end};
}

std::string analyticsJobRequest(const TimeWindow& interval) {
  Poco::JSON::Object predicate(Poco::JSON_PRESERVE_KEY_ORDER);
  predicate.set("type", "dimension");
  predicate.set("dimension", "evaluationId");
  predicate.set("operator", "exists");
  Poco::JSON::Array predicates;
  predicates.add(predicate);
  Poco::JSON::Object filter(Poco::JSON_PRESERVE_KEY_ORDER);
  filter.set("type", "and");
  filter.set("predicates", predicates);
  Poco::JSON::Array filters;
  filters.add(filter);

  Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
  body.set("interval", interval.start + "/" + interval.end);
  body.set("order", "asc");
  body.set("orderBy", "conversationStart");
  body.set("evaluationFilters", filters);
  std::ostringstream text;
  body.stringify(text);
  return text.str();
}

std::vector<EvaluationRef> evaluationsInWindow(const Poco::JSON::Object::Ptr& page, const TimeWindow& window) {
  const Poco::Timestamp start = requireIsoTime(window.start, "window start");
  const Poco::Timestamp end = requireIsoTime(window.end, "window end");
  std::vector<EvaluationRef> refs;
  std::set<std::string> seen;
  auto conversations = page->getArray("conversations");
  if (!conversations) return refs;
  for (std::size_t i = 0; i < conversations->size(); ++i) {
    auto conversation = conversations->getObject(static_cast<unsigned>(i));
    if (!conversation) continue;
    const std::string conversationId = conversation->optValue<std::string>("conversationId", "");
    auto evaluations = conversation->getArray("evaluations");
    if (conversationId.empty() || !evaluations) continue;
    for (std::size_t j = 0; j < evaluations->size(); ++j) {
      auto evaluation = evaluations->getObject(static_cast<unsigned>(j));
      if (!evaluation || evaluation->optValue<bool>("deleted", false)) continue;
      EvaluationRef ref{conversationId, evaluation->optValue<std::string>("evaluationId", ""),
                        evaluation->optValue<std::string>("eventTime", "")};
      if (ref.evaluationId.empty() || !seen.insert(ref.evaluationId).second) continue;
      if (!ref.eventTime.empty()) {
        auto when = parseIsoTime(ref.eventTime);
        if (when && (*when < start || !(*when < end))) continue;
      }
      refs.push_back(std::move(ref));
    }
  }
  return refs;
}

}  // namespace evalbridge
