#pragma once
// What the search source asks Genesys Cloud, as pure functions (no I/O), so the request shape
// and the paging rules are unit-tested on their own. The request and response follow the
// official models EvaluationSearchRequestDTO / EvaluationSearchCriteriaDTO /
// EvaluationSearchResponse (Platform API client SDKs, PureCloudPlatformClientV2 257.1.0).
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include "genesys/EvaluationSource.h"

namespace evalbridge {

inline const char* const kEvaluationSearchPath = "/api/v2/quality/evaluations/search";

// The documented date format of DATE_RANGE values: yyyy-MM-dd'T'HH:mm:ss.SSS'Z'.
std::string searchDate(const Poco::Timestamp& time);

// One page request: a DATE_RANGE criterion on `dateField` from `from` to `to`, sorted by that
// field ascending. The docs do not say whether startValue/endValue are inclusive, so `from` is
// sent 1 ms early and `to` as is: whichever way the service reads them, nothing in [from, to) is
// left out (an evaluation on a boundary may be read twice, which the ledger makes free).
std::string searchRequestBody(const std::string& dateField, const Poco::Timestamp& from, const Poco::Timestamp& to,
                              int pageSize, int pageNumber);

// Walks one window's results. Page-number paging over a live result set shifts when an
// evaluation leaves the range between two pages (a rescore moves its submittedDate), which would
// skip the one after it; and page numbers reach only so deep. So while results come sorted by the
// date field, each next request starts again at page 1 from the date of the last result read
// (keyset paging). Only when a whole page shares one date, or the order is not as asked, does the
// page number grow, bounded by maxResults; once a page came out of order, the rest of the window
// is paged by number (a later page in order says nothing of what the pages after it hold).
class SearchPaging {
 public:
  SearchPaging(const TimeWindow& window, std::string dateField, int pageSize, int maxResults);

  const Poco::Timestamp& from() const { return from_; }
  const Poco::Timestamp& to() const { return to_; }
  int pageNumber() const { return pageNumber_; }

  // Takes the results of the page just read; returns false when the window is done. Throws
  // PermanentError when the next page would reach past maxResults (the message says which
  // setting to change).
  bool advance(const std::vector<Poco::JSON::Object::Ptr>& results);
  // After advance() returned true: the next request starts at the date of the last result read
  // (from()), so everything of the window before that date has been read.
  bool movedByDate() const { return movedByDate_; }
  // A page came out of the order asked for: nothing short of the window's end is known read.
  bool outOfOrder() const { return outOfOrder_; }

 private:
  Poco::Timestamp from_;
  Poco::Timestamp to_;
  std::string dateField_;
  int pageSize_;
  int maxResults_;
  int pageNumber_ = 1;
  bool movedByDate_ = false;
  bool outOfOrder_ = false;
};

}  // namespace evalbridge
