#include "genesys/ExportJobSource.h"

#include <algorithm>
#include <chrono>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Logger.h>
#include <Poco/String.h>

#include "common/Errors.h"
#include "genesys/OrgClient.h"
#include "http/HttpClient.h"
#include "http/ShutdownToken.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.export"); }

// A job that ended without results; the job is resubmitted (bounded).
struct JobFailed {
  std::string status;
  std::string message;
};

std::string withId(std::string path, const std::string& id) {
  Poco::replaceInPlace(path, std::string("{id}"), id);
  return path;
}

Poco::JSON::Object::Ptr parseObject(const std::string& body, const std::string& what) {
  Poco::Dynamic::Var value;
  try {
    Poco::JSON::Parser parser;
    value = parser.parse(body);
  } catch (const Poco::Exception& e) {
    throw TransientError(what + ": the response is not valid JSON (" + e.message() + ")");
  }
  if (value.type() != typeid(Poco::JSON::Object::Ptr)) throw TransientError(what + ": the response is not a JSON object");
  return value.extract<Poco::JSON::Object::Ptr>();
}

std::vector<Poco::JSON::Object::Ptr> entitiesOf(const Poco::JSON::Object::Ptr& page, const std::string& what) {
  std::vector<Poco::JSON::Object::Ptr> out;
  auto entities = page->getArray("entities");
  if (!entities) {
    if (page->has("entities")) throw TransientError(what + ": \"entities\" is not an array");
    return out;
  }
  out.reserve(entities->size());
  for (size_t i = 0; i < entities->size(); ++i) {
    auto entity = entities->getObject(static_cast<unsigned>(i));
    // A non-object entry is kept as a wrapper so the pipeline can dead-letter it with the raw text.
    if (!entity) {
      entity = new Poco::JSON::Object;
      std::ostringstream raw;
      Poco::JSON::Stringifier::stringify(entities->get(static_cast<unsigned>(i)), raw);
      entity->set("__malformed", raw.str());
    }
    out.push_back(entity);
  }
  return out;
}

}  // namespace

ExportJobSource::ExportJobSource(OrgClient& client, ShutdownToken& shutdown) : client_(client), shutdown_(shutdown) {}

void ExportJobSource::fetch(const TimeWindow& window, const EvaluationPageHandler& handler) {
  const ExportSettings& settings = client_.org().exportSettings;
  const std::string& org = client_.org().name;
  for (int submission = 0;; ++submission) {
    std::string jobId = submit(window);
    logger().information("org %s: export job %s submitted for [%s, %s)", org, jobId, window.start, window.end);
    try {
      auto job = waitUntilDone(jobId);
      std::string downloadUrl = job->optValue<std::string>("downloadUrl", "");
      if (!downloadUrl.empty())
        readDownload(downloadUrl, handler);
      else
        readPages(jobId, handler);
      return;
    } catch (const JobFailed& failed) {
      if (submission >= settings.maxResubmits) {
        throw TransientError("org " + org + ": export job for [" + window.start + ", " + window.end + ") ended " +
                             failed.status + " " + std::to_string(submission + 1) + " times (last: " +
                             (failed.message.empty() ? "no errorMessage" : failed.message) +
                             "); giving up for this cycle (genesys.export.maxResubmits = " +
                             std::to_string(settings.maxResubmits) + ")");
      }
      logger().warning("org %s: export job %s ended %s (%s); resubmitting (%d of %d)", org, jobId, failed.status,
                       failed.message, submission + 1, settings.maxResubmits);
    }
  }
}

std::string ExportJobSource::submit(const TimeWindow& window) {
  Poco::JSON::Object body;
  body.set("startTime", window.start);
  body.set("endTime", window.end);
  std::ostringstream text;
  body.stringify(text);
  HttpResponse response = client_.call("POST", client_.org().exportSettings.createPath, text.str());
  auto job = parseObject(response.body, "org " + client_.org().name + ": export job creation");
  std::string id = job->optValue<std::string>("id", "");
  if (id.empty()) throw TransientError("org " + client_.org().name + ": export job creation answered without an id");
  return id;
}

Poco::JSON::Object::Ptr ExportJobSource::waitUntilDone(const std::string& jobId) {
  const ExportSettings& settings = client_.org().exportSettings;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(settings.jobTimeoutS);
  int delayMs = settings.pollInitialMs;
  std::string lastStatus = "none";
  for (;;) {
    HttpResponse response = client_.call("GET", withId(settings.statusPath, jobId));
    auto job = parseObject(response.body, "org " + client_.org().name + ": export job " + jobId + " status");
    lastStatus = Poco::toUpper(job->optValue<std::string>("status", ""));
    if (lastStatus == "COMPLETED" || lastStatus == "FULFILLED") return job;
    if (lastStatus == "FAILED" || lastStatus == "CANCELLED" || lastStatus == "EXPIRED")
      throw JobFailed{lastStatus, job->optValue<std::string>("errorMessage", "")};
    if (lastStatus != "QUEUED" && lastStatus != "PENDING" && lastStatus != "RUNNING")
      logger().warning("org %s: export job %s has unknown status '%s'; waiting", client_.org().name, jobId, lastStatus);
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      throw TransientError("org " + client_.org().name + ": export job " + jobId + " did not complete within " +
                           std::to_string(settings.jobTimeoutS) + " s (last status " + lastStatus +
                           "; genesys.export.jobTimeoutS)");
    }
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (!shutdown_.sleepFor(std::min(std::chrono::milliseconds(delayMs), remaining)))
      throw TransientError("shutting down while waiting for export job " + jobId);
    delayMs = std::min(settings.pollMaxMs, delayMs * 2);
  }
}

void ExportJobSource::readPages(const std::string& jobId, const EvaluationPageHandler& handler) {
  const ExportSettings& settings = client_.org().exportSettings;
  std::string cursor;
  for (int page = 1;; ++page) {
    std::string path = withId(settings.resultsPath, jobId) + "?pageSize=" + std::to_string(settings.pageSize);
    if (!cursor.empty()) path += "&cursor=" + urlEncode(cursor);
    std::string what = "org " + client_.org().name + ": export job " + jobId + " result page " + std::to_string(page);
    HttpResponse response = client_.call("GET", path);
    auto body = parseObject(response.body, what);
    handler(entitiesOf(body, what));
    std::string next = body->optValue<std::string>("cursor", "");
    if (next.empty()) return;
    if (next == cursor) throw TransientError(what + ": the cursor did not advance");
    cursor = next;
  }
}

void ExportJobSource::readDownload(const std::string& url, const EvaluationPageHandler& handler) {
  HttpResponse response = client_.download(url);
  std::string what = "org " + client_.org().name + ": export download";
  auto body = parseObject(response.body, what);
  auto all = entitiesOf(body, what);
  const size_t pageSize = static_cast<size_t>(std::max(1, client_.org().exportSettings.pageSize));
  for (size_t start = 0; start < all.size(); start += pageSize) {
    std::vector<Poco::JSON::Object::Ptr> page(all.begin() + static_cast<long>(start),
                                              all.begin() + static_cast<long>(std::min(all.size(), start + pageSize)));
    handler(page);
  }
}

}  // namespace evalbridge
