#pragma once
// The life cycle both Genesys job APIs share (the evaluation export and the analytics
// conversation-details job): submit, poll the status with a doubling delay (pollInitialMs up to
// pollMaxMs) until it is done, resubmit a job that ended FAILED/CANCELLED/EXPIRED (at most
// maxResubmits times), and give up after jobTimeoutS. Statuses are case-insensitive:
//   QUEUED, PENDING, RUNNING: wait;  COMPLETED, FULFILLED: done;  FAILED, CANCELLED, EXPIRED: ended.
#include <functional>
#include <string>

#include <Poco/JSON/Object.h>

namespace evalbridge {

class OrgClient;
class ShutdownToken;

struct AsyncJobSteps {
  std::string kind;         // for messages: "export job", "analytics conversation-details job"
  std::string range;        // for messages: "[start, end)"
  std::string statusField;  // "status" (export) or "state" (analytics)
  std::function<std::string()> submit;                                  // returns the job id
  std::function<std::string(const std::string& jobId)> statusPath;      // GET path of its status
  std::function<void(const std::string& jobId, const Poco::JSON::Object::Ptr& job)> readResults;
};

// Runs the job to completion and reads its results; throws TransientError (naming the org, the
// job and the config key to change) when it keeps ending or never completes.
void runAsyncJob(OrgClient& client, ShutdownToken& shutdown, const AsyncJobSteps& steps);

}  // namespace evalbridge
