#include "genesys/SearchSource.h"

#include <optional>

#include <Poco/MemoryStream.h>

#include "common/Errors.h"
#include "common/IsoTime.h"
#include "genesys/EvaluationProjection.h"
#include "genesys/ExportResultReader.h"
#include "genesys/MalformedEntry.h"
#include "genesys/OrgClient.h"
#include "genesys/SearchQuery.h"

namespace evalbridge {

SearchSource::SearchSource(OrgClient& client) : client_(client) {}

WindowStop SearchSource::fetch(const TimeWindow& window, const EvaluationPageHandler& handler) {
  const SearchSettings& settings = client_.org().search;
  SearchPaging paging(window, settings.dateField, settings.pageSize, settings.maxResults);
  // One projector and one reader for the sweep: their buffers are reused page after page.
  std::optional<EvaluationProjector> projector;
  if (projection_) projector.emplace(projection_);
  ExportResultReader reader(ExportResultReader::kDefaultMaxValueBytes, "results");
  if (projector) reader.setProjector(&*projector);
  for (int number = 1;; ++number) {
    const std::string what = "org " + client_.org().name + ": evaluation search [" + window.start + ", " +
                             window.end + ") request " + std::to_string(number) + " (page " +
                             std::to_string(paging.pageNumber()) + " from " + searchDate(paging.from()) + ")";
    const std::string request =
        searchRequestBody(settings.dateField, paging.from(), paging.to(), settings.pageSize, paging.pageNumber());
    const std::string text = client_.call("POST", kEvaluationSearchPath, request).body;
    // Read element by element: one evaluation Poco cannot parse is dead-lettered alone.
    std::vector<Poco::JSON::Object::Ptr> results;
    Poco::MemoryInputStream in(text.data(), text.size());  // reads the answer in place, no copy
    try {
      reader.read(in, [&](const Poco::JSON::Object::Ptr& result, std::string_view raw, const std::string& problem) {
        results.push_back(result ? result : makeMalformedEntry(raw, "evaluation search result: " + problem));
      });
    } catch (const MalformedResultError& e) {
      // The page itself is not JSON (a proxy's error page, a cut-off body): a later attempt or
      // cycle may read it; nothing of this window is checkpointed meanwhile.
      throw TransientError(what + ": the answer is not a search response: " + e.message());
    }
    if (!results.empty()) handler(results);
    if (!paging.advance(results)) return std::nullopt;
    // A long window sent over a quiet stretch ran into a busy one: it ends here, and the sweep
    // goes on from this date in shorter windows (whose checkpoints move more often). Results out
    // of order say nothing of what was read: the sweep goes on from the window's start, in
    // windows short enough for page-number paging to reach their end.
    if (window.mayStopAtFullPage && paging.movedByDate()) return paging.from();
    if (window.mayStopAtFullPage && paging.outOfOrder()) return requireIsoTime(window.start, "window start");
  }
}

}  // namespace evalbridge
