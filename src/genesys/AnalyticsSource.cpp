#include "genesys/AnalyticsSource.h"

#include <algorithm>
#include <chrono>

#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <Poco/String.h>

#include "common/Errors.h"
#include "genesys/AnalyticsQuery.h"
#include "genesys/EvaluationFetcher.h"
#include "genesys/JsonResponse.h"
#include "genesys/OrgClient.h"
#include "http/ShutdownToken.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.analytics"); }

// A job that ended without results; it is resubmitted (bounded).
struct JobEnded {
  std::string state;
  std::string message;
};

}  // namespace

AnalyticsSource::AnalyticsSource(OrgClient& client, ShutdownToken& shutdown) : client_(client), shutdown_(shutdown) {}

void AnalyticsSource::fetch(const TimeWindow& window, const EvaluationPageHandler& handler) {
  const ExportSettings& jobs = client_.org().exportSettings;
  const std::string& org = client_.org().name;
  const TimeWindow interval = analyticsInterval(window, client_.org().analytics.lookbackS);
  for (int submission = 0;; ++submission) {
    const std::string jobId = submit(interval);
    logger().information("org %s: analytics job %s submitted for conversations in [%s, %s) (window [%s, %s))", org,
                         jobId, interval.start, interval.end, window.start, window.end);
    try {
      waitUntilFulfilled(jobId);
      readPages(jobId, window, handler);
      return;
    } catch (const JobEnded& ended) {
      if (submission >= jobs.maxResubmits) {
        throw TransientError("org " + org + ": analytics conversation-details job for [" + interval.start + ", " +
                             interval.end + ") ended " + ended.state + " " + std::to_string(submission + 1) +
                             " times (last: " + (ended.message.empty() ? "no errorMessage" : ended.message) +
                             "); giving up for this cycle (genesys.export.maxResubmits = " +
                             std::to_string(jobs.maxResubmits) + ")");
      }
      logger().warning("org %s: analytics job %s ended %s (%s); resubmitting (%d of %d)", org, jobId, ended.state,
                       ended.message, submission + 1, jobs.maxResubmits);
    }
  }
}

std::string AnalyticsSource::submit(const TimeWindow& interval) {
  HttpResponse response = client_.call("POST", kAnalyticsJobsPath, analyticsJobRequest(interval));
  auto job = parseResponseObject(response.body, "org " + client_.org().name + ": analytics job creation");
  std::string id = job->optValue<std::string>("jobId", "");
  if (id.empty()) throw TransientError("org " + client_.org().name + ": analytics job creation answered without a jobId");
  return id;
}

void AnalyticsSource::waitUntilFulfilled(const std::string& jobId) {
  const ExportSettings& settings = client_.org().exportSettings;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(settings.jobTimeoutS);
  int delayMs = settings.pollInitialMs;
  const std::string what = "org " + client_.org().name + ": analytics job " + jobId;
  for (;;) {
    HttpResponse response = client_.call("GET", std::string(kAnalyticsJobsPath) + "/" + urlEncode(jobId));
    auto job = parseResponseObject(response.body, what + " status");
    const std::string state = Poco::toUpper(job->optValue<std::string>("state", ""));
    if (state == "FULFILLED") return;
    if (state == "FAILED" || state == "CANCELLED" || state == "EXPIRED")
      throw JobEnded{state, job->optValue<std::string>("errorMessage", "")};
    if (state != "QUEUED" && state != "PENDING")
      logger().warning("%s has unknown state '%s'; waiting", what, state);
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      throw TransientError(what + " was not FULFILLED within " + std::to_string(settings.jobTimeoutS) +
                           " s (last state " + (state.empty() ? "none" : state) + "; genesys.export.jobTimeoutS)");
    }
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (!shutdown_.sleepFor(std::min(std::chrono::milliseconds(delayMs), remaining)))
      throw TransientError("shutting down while waiting for " + what);
    delayMs = std::min(settings.pollMaxMs, delayMs * 2);
  }
}

void AnalyticsSource::readPages(const std::string& jobId, const TimeWindow& window,
                                const EvaluationPageHandler& handler) {
  EvaluationFetcher fetcher(client_, client_.org().analytics.maxConcurrency);
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
