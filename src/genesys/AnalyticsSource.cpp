#include "genesys/AnalyticsSource.h"

#include <algorithm>
#include <chrono>

#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include "common/Errors.h"
#include "common/IsoTime.h"
#include "genesys/AnalyticsQuery.h"
#include "genesys/EvaluationFetcher.h"
#include "genesys/AsyncJob.h"
#include "genesys/JsonResponse.h"
#include "genesys/OrgClient.h"
#include "http/ShutdownToken.h"

namespace evalbridge {

AnalyticsSource::AnalyticsSource(OrgClient& client, ShutdownToken& shutdown) : client_(client), shutdown_(shutdown) {}

WindowStop AnalyticsSource::fetch(const TimeWindow& window, const EvaluationPageHandler& handler) {
  const TimeWindow interval = analyticsInterval(window, client_.org().analytics.lookbackS);
  AsyncJobSteps steps;
  steps.kind = "analytics conversation-details job";
  steps.range = "conversations in [" + interval.start + ", " + interval.end + ") (window [" + window.start + ", " +
                window.end + "))";
  steps.statusField = "state";
  steps.submit = [&] { return submit(interval); };
  steps.statusPath = [](const std::string& jobId) { return std::string(kAnalyticsJobsPath) + "/" + urlEncode(jobId); };
  steps.readResults = [&](const std::string& jobId, const Poco::JSON::Object::Ptr&) { readPages(jobId, window, handler); };
  runAsyncJob(client_, shutdown_, steps);
  return std::nullopt;  // a job covers its window whole
}

std::optional<Poco::Timestamp> AnalyticsSource::completeUntil() {
  const std::string what = "org " + client_.org().name + ": GET " + kAnalyticsAvailabilityPath;
  auto answer = parseResponseObject(client_.call("GET", kAnalyticsAvailabilityPath).body, what);
  const std::string date = answer->optValue<std::string>("dataAvailabilityDate", "");
  auto parsed = parseIsoTime(date);
  // Without the date nothing is known to be complete: better no window than a checkpoint that
  // passes data still on its way.
  if (!parsed) throw TransientError(what + ": no readable dataAvailabilityDate in the answer");
  return parsed;
}

std::string AnalyticsSource::submit(const TimeWindow& interval) {
  HttpResponse response = client_.call("POST", kAnalyticsJobsPath, analyticsJobRequest(interval));
  auto job = parseResponseObject(response.body, "org " + client_.org().name + ": analytics job creation");
  std::string id = job->optValue<std::string>("jobId", "");
  if (id.empty()) throw TransientError("org " + client_.org().name + ": analytics job creation answered without a jobId");
  return id;
}

void AnalyticsSource::readPages(const std::string& jobId, const TimeWindow& window,
                                const EvaluationPageHandler& handler) {
  EvaluationFetcher fetcher(client_, client_.org().analytics.maxConcurrency, projection_);
  std::string cursor;
  for (int pageNumber = 1;; ++pageNumber) {
    std::string path = std::string(kAnalyticsJobsPath) + "/" + urlEncode(jobId) + "/results";
    if (!cursor.empty()) path += "?cursor=" + urlEncode(cursor);
    const std::string what =
        "org " + client_.org().name + ": analytics job " + jobId + " result page " + std::to_string(pageNumber);
    auto page = parseResponseObject(client_.call("GET", path).body, what);
    const auto refs = evaluationsInWindow(page, window);
    if (!refs.empty()) handler(fetcher.fetch(refs));
    const std::string next = page->optValue<std::string>("cursor", "");
    if (next.empty()) return;
    if (next == cursor) throw TransientError(what + ": the cursor did not advance");
    cursor = next;
  }
}

}  // namespace evalbridge
