#include "genesys/SearchSource.h"

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include "common/Errors.h"
#include "genesys/JsonResponse.h"
#include "genesys/MalformedEntry.h"
#include "genesys/OrgClient.h"
#include "genesys/SearchQuery.h"

namespace evalbridge {

SearchSource::SearchSource(OrgClient& client) : client_(client) {}

void SearchSource::fetch(const TimeWindow& window, const EvaluationPageHandler& handler) {
  const SearchSettings& settings = client_.org().search;
  SearchPaging paging(window, settings.dateField, settings.pageSize, settings.maxResults);
  for (int request = 1;; ++request) {
    const std::string what = "org " + client_.org().name + ": evaluation search [" + window.start + ", " +
                             window.end + ") request " + std::to_string(request) + " (page " +
                             std::to_string(paging.pageNumber()) + " from " + searchDate(paging.from()) + ")";
    const std::string body =
        searchRequestBody(settings.dateField, paging.from(), paging.to(), settings.pageSize, paging.pageNumber());
    auto page = parseResponseObject(client_.call("POST", kEvaluationSearchPath, body).body, what);
    std::vector<Poco::JSON::Object::Ptr> results;
    if (page->has("results")) {
      const Poco::Dynamic::Var list = page->get("results");
      if (list.type() != typeid(Poco::JSON::Array::Ptr)) throw TransientError(what + ": \"results\" is not an array");
      const auto array = list.extract<Poco::JSON::Array::Ptr>();
      results.reserve(array->size());
      for (std::size_t i = 0; i < array->size(); ++i) {
        const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
        if (item.type() == typeid(Poco::JSON::Object::Ptr)) {
          results.push_back(item.extract<Poco::JSON::Object::Ptr>());
        } else {
          // One bad element costs that element: it goes to the dead letter with its text.
          std::ostringstream raw;
          Poco::JSON::Stringifier::stringify(item, raw);
          results.push_back(makeMalformedEntry(raw.str(), "search result entry is not a JSON object"));
        }
      }
    }
    if (!results.empty()) handler(results);
    if (!paging.advance(results)) return;
  }
}

}  // namespace evalbridge
