#include "genesys/EvaluationFetcher.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>

#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include "common/Errors.h"
#include "common/WorkerThreads.h"
#include "genesys/EvaluationProjection.h"
#include "genesys/MalformedEntry.h"
#include "genesys/OrgClient.h"
#include "http/RetryLoop.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.genesys"); }

}  // namespace

int readersFor(std::size_t refs, int maxConcurrency) {
  const std::size_t most = static_cast<std::size_t>(std::max(1, maxConcurrency));
  const std::size_t rounds = (refs + most - 1) / most;
  return rounds == 0 ? 0 : static_cast<int>((refs + rounds - 1) / rounds);
}

EvaluationFetcher::EvaluationFetcher(OrgClient& client, int maxConcurrency,
                                     std::shared_ptr<const ProjectionPaths> projection)
    : client_(client), maxConcurrency_(std::max(1, maxConcurrency)), projection_(std::move(projection)) {}

Poco::JSON::Object::Ptr EvaluationFetcher::readEvaluation(const std::string& body, EvaluationProjector* projector,
                                                           std::string& problem) {
  problem = "not a JSON object";
  if (projector) return projector->project(body, problem);
  try {
    Poco::JSON::Parser parser;
    auto value = parser.parse(body);
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) return value.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    problem = "not valid JSON (" + e.message() + ")";
  }
  return nullptr;
}

Poco::JSON::Object::Ptr EvaluationFetcher::fetchOne(const EvaluationRef& ref, EvaluationProjector* projector) {
  const std::string path = evaluationPath(ref);
  const std::string what = "org " + client_.org().name + ": evaluation " + ref.evaluationId + " of conversation " +
                           ref.conversationId;
  // Each read has the org's whole budget for its own transfer (OrgClient::probe); this loop only
  // reads an unreadable answer once more, so its budget is two attempts, whatever the org's is.
  RetrySettings budget = client_.org().retry;
  budget.maxAttempts = kFullReadAttempts;
  Poco::JSON::Object::Ptr evaluation;
  std::exception_ptr callFailed;  // the call's own retries are spent: not retried again here
  std::string firstAnswer;        // of an unreadable first read
  auto attempt = [&](int number) {
    HttpResponse response;
    try {
      response = client_.probe("GET", path);
      if (response.status == 404) {
        logger().warning("%s is gone (404); skipped", what);
        return AttemptVerdict::done();
      }
      if (response.status < 200 || response.status > 299)
        client_.fail(response, "GET /api/v2/quality/conversations/{conversationId}/evaluations/{evaluationId}");
    } catch (const TransientError&) {
      callFailed = std::current_exception();
      return AttemptVerdict::done();
    }
    std::string problem;
    if ((evaluation = readEvaluation(response.body, projector, problem))) return AttemptVerdict::done();
    // Bad data, not a bad transfer: one record's loss, as for a poisoned element of a results
    // page. The sync dead-letters it with the text and the reason; the window goes on. Bad data
    // is a value the projection refuses in a whole object, or the same unreadable answer twice
    // (`[]`, a trailing comma, nesting too deep): without the second read, such an answer would
    // fail its window at every cycle, for ever.
    if (projector && projector->refusedAValue()) {
      evaluation = makeMalformedEntry(response.body, what + ", read in full: " + problem);
      return AttemptVerdict::done();
    }
    // An empty body is not data at all, more likely a proxy's fault: it is never taken for bad
    // data, and two of them fail the cycle as two different answers do.
    if (number > 1 && response.body == firstAnswer && !response.body.empty()) {
      evaluation =
          makeMalformedEntry(response.body, what + ", read in full twice, the same answer both times: " + problem);
      return AttemptVerdict::done();
    }
    firstAnswer = std::move(response.body);
    return AttemptVerdict::retry("the response is " + problem);
  };
  AttemptHooks hooks;
  hooks.onRetry = [&](int, const std::string& failure, std::chrono::milliseconds) {
    logger().information("%s: %s; read again", what, failure);
  };
  const LoopResult result = runAttempts(budget, client_.shutdown(), attempt, hooks);
  if (callFailed) std::rethrow_exception(callFailed);
  if (result.end == LoopEnd::ShuttingDown) throw TransientError("shutting down while reading " + what);
  // Two different unreadable answers: a transfer gone wrong; the next cycle reads it again.
  if (result.end == LoopEnd::OutOfBudget) throw TransientError(what + ": " + result.failure + " (" + result.why + ")");
  return evaluation;
}

std::vector<Poco::JSON::Object::Ptr> EvaluationFetcher::fetch(const std::vector<EvaluationRef>& refs) {
  std::vector<Poco::JSON::Object::Ptr> evaluations;
  evaluations.reserve(refs.size());
  for (auto& evaluation : fetchEach(refs))
    if (evaluation) evaluations.push_back(std::move(evaluation));
  return evaluations;
}

std::vector<Poco::JSON::Object::Ptr> EvaluationFetcher::fetchEach(const std::vector<EvaluationRef>& refs) {
  std::vector<Poco::JSON::Object::Ptr> results(refs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr firstError;
  std::mutex errorMutex;

  auto work = [&] {
    try {
      // One per worker: a projector's parser is not thread-safe.
      std::unique_ptr<EvaluationProjector> projector;
      if (projection_) projector = std::make_unique<EvaluationProjector>(projection_);
      for (;;) {
        const std::size_t i = next.fetch_add(1);
        if (i >= refs.size() || failed.load()) return;
        results[i] = fetchOne(refs[i], projector.get());
      }
    } catch (...) {  // nothing may escape a worker thread (std::terminate)
      std::lock_guard<std::mutex> lock(errorMutex);
      if (!firstError) firstError = std::current_exception();
      failed.store(true);
    }
  };
  const int helpers = readersFor(refs.size(), maxConcurrency_) - 1;
  if (helpers <= 0) {
    work();  // one read needs no second thread
  } else if (WorkerThreads* shared = client_.readers()) {
    shared->runAlongside(helpers, work);
  } else {
    WorkerThreads own(helpers);
    own.runAlongside(helpers, work);
  }
  if (firstError) std::rethrow_exception(firstError);
  return results;
}

}  // namespace evalbridge
