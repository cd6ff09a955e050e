#pragma once
// What the analytics source asks Genesys Cloud and how it reads the answer, as pure functions
// (no I/O), so the window rules are unit-tested on their own.
//
// Why the interval is wider than the window: a conversation-details job selects conversations by
// their time, but the bridge's windows are in evaluation time (like the export's changedDate).
// An evaluation completed or rescored days after its conversation would fall outside a query for
// [windowStart, windowEnd). So the job asks for conversations in [windowStart - lookback,
// windowEnd), and only evaluations whose own analytics `eventTime` lies in [windowStart,
// windowEnd) are read in full. Each evaluation is read once per window it changed in; the
// ledger's content hash makes any re-read free.
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "genesys/EvaluationRef.h"
#include "genesys/EvaluationSource.h"

namespace evalbridge {

inline const char* const kAnalyticsJobsPath = "/api/v2/analytics/conversations/details/jobs";
inline const char* const kAnalyticsAvailabilityPath = "/api/v2/analytics/conversations/details/jobs/availability";


// The conversation interval to query for `window`: [start - lookbackS, end).
TimeWindow analyticsInterval(const TimeWindow& window, int lookbackS);

// The AsyncConversationQuery body: the interval ("START/END") and an evaluation filter, so only
// conversations that carry an evaluation come back, oldest first.
std::string analyticsJobRequest(const TimeWindow& interval);

// The evaluations of one results page ({"conversations":[…], "cursor"?}) that belong to
// `window`: not deleted, and eventTime inside the window (an evaluation without an eventTime is
// kept: reading it once too often costs less than missing it). Duplicates are removed.
std::vector<EvaluationRef> evaluationsInWindow(const Poco::JSON::Object::Ptr& page, const TimeWindow& window);

}  // namespace evalbridge
