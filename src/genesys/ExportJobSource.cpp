#include "genesys/ExportJobSource.h"

#include <algorithm>
#include <optional>
#include <chrono>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Logger.h>
#include <Poco/String.h>

#include "common/Errors.h"
#include "genesys/EvaluationProjection.h"
#include "genesys/ExportResultReader.h"
#include "genesys/AsyncJob.h"
#include "genesys/JsonResponse.h"
#include "genesys/MalformedEntry.h"
#include "genesys/OrgClient.h"
#include "http/HttpClient.h"
#include "http/RetryLoop.h"
#include "http/RetryPolicy.h"
#include "http/ShutdownToken.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.export"); }

std::string withId(std::string path, const std::string& id) {
  Poco::replaceInPlace(path, std::string("{id}"), id);
  return path;
}

// A result page that stayed unreadable after every attempt; its text goes to the dead letter.
struct BadPage {
  std::string raw;
  std::string reason;
};

}  // namespace

ExportJobSource::ExportJobSource(OrgClient& client, ShutdownToken& shutdown)
    : client_(client),
      shutdown_(shutdown),
      streaming_(std::make_unique<HttpClient>(HttpClientOptions{client.org().timeoutMs, client.org().caFile, true})) {}

ExportJobSource::~ExportJobSource() = default;

WindowStop ExportJobSource::fetch(const TimeWindow& window, const EvaluationPageHandler& handler) {
  AsyncJobSteps steps;
  steps.kind = "export job";
  steps.range = "[" + window.start + ", " + window.end + ")";
  steps.statusField = "status";
  steps.submit = [&] { return submit(window); };
  steps.statusPath = [&](const std::string& jobId) { return withId(client_.org().exportSettings.statusPath, urlEncode(jobId)); };
  steps.readResults = [&](const std::string& jobId, const Poco::JSON::Object::Ptr& job) {
    std::string downloadUrl = job->optValue<std::string>("downloadUrl", "");
    if (!downloadUrl.empty())
      readDownload(downloadUrl, handler);
    else
      readPages(jobId, handler);
  };
  runAsyncJob(client_, shutdown_, steps);
  return std::nullopt;  // a job covers its window whole
}

std::string ExportJobSource::submit(const TimeWindow& window) {
  Poco::JSON::Object body;
  body.set("startTime", window.start);
  body.set("endTime", window.end);
  std::ostringstream text;
  body.stringify(text);
  HttpResponse response = client_.call("POST", client_.org().exportSettings.createPath, text.str());
  auto job = parseResponseObject(response.body, "org " + client_.org().name + ": export job creation");
  std::string id = job->optValue<std::string>("id", "");
  if (id.empty()) throw TransientError("org " + client_.org().name + ": export job creation answered without an id");
  return id;
}

RetrySettings ExportJobSource::resultBudget() const {
  RetrySettings budget = client_.org().retry;
  budget.maxAttempts = std::max(1, std::min(budget.maxAttempts, kResultAttempts));
  return budget;
}

Poco::JSON::Object::Ptr ExportJobSource::readPage(const std::string& path, const std::string& what,
                                                  std::vector<Poco::JSON::Object::Ptr>& entities) {
  ExportResultReader reader;
  std::optional<EvaluationProjector> projector;
  if (projection_) reader.setProjector(&projector.emplace(projection_));
  auto collect = [&entities](const Poco::JSON::Object::Ptr& entity, std::string_view raw, const std::string& problem) {
    entities.push_back(entity ? entity : makeMalformedEntry(raw, "result page entry: " + problem));
  };
  const RetrySettings budget = resultBudget();
  Poco::JSON::Object::Ptr rest;
  std::optional<BadPage> bad;
  auto attempt = [&](int number) {
    entities.clear();
    const bool last = number >= budget.maxAttempts;
    std::string text;
    try {
      if (!last) {
        HttpRequest request;
        request.url = client_.org().apiBase + path;  // the token goes to this org's API host only
        request.headers = {{"Authorization", "Bearer " + client_.accessToken()}, {"Accept", "application/json"}};
        streaming_->sendStreaming(request, [&](const HttpResponseHead& head, std::istream& body) {
          if (head.status >= 200 && head.status <= 299) rest = reader.read(body, collect);
        });
        if (rest) return AttemptVerdict::done();
        // Refused (expired token, throttling, an error): OrgClient::call renews the token once,
        // retries transient statuses and explains the rest.
      }
      // The last attempt keeps the text, so a page that stays bad can be kept in the dead letter.
      text = client_.call("GET", path).body;
      std::istringstream in(text);
      rest = reader.read(in, collect);
      return AttemptVerdict::done();
    } catch (const MalformedResultError& e) {
      const std::string failure = "not valid JSON: " + e.message();
      if (!last) return AttemptVerdict::retry(failure);
      bad = BadPage{text, what + " is " + failure + " (after " + std::to_string(number) + " attempts)"};
      return AttemptVerdict::done();
    }
  };
  AttemptHooks hooks;
  hooks.onRetry = [&](int number, const std::string& failure, std::chrono::milliseconds) {
    logger().warning("%s: %s; reading it again (attempt %d of %d)", what, failure, number + 1, budget.maxAttempts);
  };
  const LoopResult result = runAttempts(budget, shutdown_, attempt, hooks);
  if (bad) throw *bad;
  if (result.end == LoopEnd::ShuttingDown) throw TransientError("shutting down while reading " + what);
  if (result.end == LoopEnd::OutOfBudget) throw TransientError(what + ": " + result.why + ": " + result.failure);
  return rest;
}

void ExportJobSource::readPages(const std::string& jobId, const EvaluationPageHandler& handler) {
  const ExportSettings& settings = client_.org().exportSettings;
  std::string cursor;
  for (int page = 1;; ++page) {
    std::string path = withId(settings.resultsPath, urlEncode(jobId)) + "?pageSize=" + std::to_string(settings.pageSize);
    if (!cursor.empty()) path += "&cursor=" + urlEncode(cursor);
    std::string what = "org " + client_.org().name + ": export job " + jobId + " result page " + std::to_string(page);
    std::vector<Poco::JSON::Object::Ptr> entities;
    Poco::JSON::Object::Ptr rest;
    try {
      rest = readPage(path, what, entities);
    } catch (const BadPage& bad) {
      handler({makeMalformedEntry(bad.raw, bad.reason)});
      throw TransientError(bad.reason + "; its text is kept in the dead letter (`evalbridge ledger dead`). The rest of "
                           "the window cannot be read without the page's cursor, so the window is not checkpointed "
                           "and is exported again next cycle.");
    }
    handler(entities);
    Poco::Dynamic::Var next = rest->has("cursor") ? rest->get("cursor") : Poco::Dynamic::Var();
    if (next.isEmpty() || next.toString().empty()) return;
    if (!next.isString()) throw TransientError(what + ": \"cursor\" is not a string");
    if (next.toString() == cursor) throw TransientError(what + ": the cursor did not advance");
    cursor = next.toString();
  }
}

void ExportJobSource::readDownload(const std::string& url, const EvaluationPageHandler& handler) {
  const std::string what = "org " + client_.org().name + ": export download";
  const size_t pageSize = static_cast<size_t>(std::max(1, client_.org().exportSettings.pageSize));
  size_t handedOver = 0;  // entities already given to the handler (skipped when reading again)
  std::vector<Poco::JSON::Object::Ptr> batch;
  batch.reserve(pageSize);
  auto flush = [&] {
    if (batch.empty()) return;
    handler(batch);
    handedOver += batch.size();
    batch.clear();
  };
  const RetrySettings budget = resultBudget();
  auto attempt = [&](int) {
    batch.clear();
    size_t seen = 0;
    int refusedStatus = 0;
    ExportResultReader reader;
    std::optional<EvaluationProjector> projector;
    if (projection_) reader.setProjector(&projector.emplace(projection_));
    try {
      HttpRequest request;
      request.url = url;  // pre-signed: it is its own credential, so no Authorization header
      request.headers = {{"Accept", "application/json"}};
      streaming_->sendStreaming(request, [&](const HttpResponseHead& head, std::istream& body) {
        if (head.status < 200 || head.status > 299) {
          refusedStatus = head.status;
          return;
        }
        reader.read(body, [&](const Poco::JSON::Object::Ptr& entity, std::string_view raw, const std::string& problem) {
          if (seen++ < handedOver) return;
          batch.push_back(entity ? entity : makeMalformedEntry(raw, "export download entry: " + problem));
          if (batch.size() >= pageSize) flush();
        });
        flush();
      });
    } catch (const MalformedResultError& e) {
      return AttemptVerdict::retry("not valid JSON: " + e.message());
    }
    if (refusedStatus == 0) return AttemptVerdict::done();
    // The URL carries its own signature: never log it whole.
    const std::string failure = "HTTP " + std::to_string(refusedStatus);
    if (!isTransientStatus(refusedStatus))
      throw PermanentError(what + " failed with " + failure + " (the pre-signed URL may have expired)");
    return AttemptVerdict::retry(failure);
  };
  AttemptHooks hooks;
  hooks.onRetry = [&](int number, const std::string& failure, std::chrono::milliseconds) {
    logger().warning("%s: %s; reading it again from evaluation %d (attempt %d of %d)", what, failure,
                     static_cast<int>(handedOver), number + 1, budget.maxAttempts);
  };
  const LoopResult result = runAttempts(budget, shutdown_, attempt, hooks);
  if (result.end == LoopEnd::ShuttingDown) throw TransientError("shutting down while reading " + what);
  if (result.end == LoopEnd::OutOfBudget) {
    throw TransientError(what + " failed " + std::to_string(result.attempts) + " times (last: " + result.failure +
                         ") after " + std::to_string(handedOver) + " evaluations were read; the window is not "
                         "checkpointed and is exported again next cycle");
  }
}

}  // namespace evalbridge
