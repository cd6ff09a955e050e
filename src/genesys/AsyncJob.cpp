#include "genesys/AsyncJob.h"

#include <algorithm>
#include <chrono>

#include <Poco/Logger.h>
#include <Poco/String.h>

#include "common/Errors.h"
#include "genesys/JsonResponse.h"
#include "genesys/OrgClient.h"
#include "http/ShutdownToken.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.genesys"); }

// A job that ended without results; it is resubmitted (bounded).
struct JobEnded {
  std::string status;
  std::string message;
};

// Returns the finished job document; throws JobEnded for FAILED/CANCELLED/EXPIRED.
Poco::JSON::Object::Ptr waitUntilDone(OrgClient& client, ShutdownToken& shutdown, const AsyncJobSteps& steps,
                                      const std::string& jobId) {
  const ExportSettings& settings = client.org().exportSettings;
  const std::string what = "org " + client.org().name + ": " + steps.kind + " " + jobId;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(settings.jobTimeoutS);
  int delayMs = settings.pollInitialMs;
  for (;;) {
    HttpResponse response = client.call("GET", steps.statusPath(jobId));
    Poco::JSON::Object::Ptr job;
    std::string status;
    try {
      job = parseResponseObject(response.body, what + " status");
      status = Poco::toUpper(job->optValue<std::string>(steps.statusField, ""));
    } catch (const TransientError& e) {
      // A garbled status answer changes nothing: poll again (still bounded by jobTimeoutS).
      logger().warning("%s; polling again", e.message());
      status = "UNREADABLE";
    }
    if (status == "COMPLETED" || status == "FULFILLED") return job;
    if (status == "FAILED" || status == "CANCELLED" || status == "EXPIRED")
      throw JobEnded{status, job->optValue<std::string>("errorMessage", "")};
    if (status != "QUEUED" && status != "PENDING" && status != "RUNNING" && status != "UNREADABLE")
      logger().warning("%s has unknown %s '%s'; waiting", what, steps.statusField, status);
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      throw TransientError(what + " did not complete within " + std::to_string(settings.jobTimeoutS) +
                           " s (last " + steps.statusField + " " + (status.empty() ? "none" : status) +
                           "; genesys.export.jobTimeoutS)");
    }
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (!shutdown.sleepFor(std::min(std::chrono::milliseconds(delayMs), remaining)))
      throw TransientError("shutting down while waiting for " + what);
    delayMs = std::min(settings.pollMaxMs, delayMs * 2);
  }
}

}  // namespace

void runAsyncJob(OrgClient& client, ShutdownToken& shutdown, const AsyncJobSteps& steps) {
  const ExportSettings& settings = client.org().exportSettings;
  const std::string& org = client.org().name;
  for (int submission = 0;; ++submission) {
    const std::string jobId = steps.submit();
    logger().information("org %s: %s %s submitted for %s", org, steps.kind, jobId, steps.range);
    try {
      steps.readResults(jobId, waitUntilDone(client, shutdown, steps, jobId));
      return;
    } catch (const JobEnded& ended) {
      if (submission >= settings.maxResubmits) {
        throw TransientError("org " + org + ": " + steps.kind + " for " + steps.range + " ended " + ended.status + " " +
                             std::to_string(submission + 1) + " times (last: " +
                             (ended.message.empty() ? "no errorMessage" : ended.message) +
                             "); giving up for this cycle (genesys.export.maxResubmits = " +
                             std::to_string(settings.maxResubmits) + ")");
      }
      logger().warning("org %s: %s %s ended %s (%s); resubmitting (%d of %d)", org, steps.kind, jobId, ended.status,
                       ended.message, submission + 1, settings.maxResubmits);
    }
  }
}

}  // namespace evalbridge
