#pragma once
// Reads full evaluations (the evaluation GET with expand, EvaluationRef.h) with at most
// `maxConcurrency` requests in flight for one org, so one results page of references becomes one
// page of evaluations in roughly a single round trip, without hammering the org's rate limit.
// With projection paths, each answer is cut down to them by simdjson (EvaluationProjection.h)
// and keeps its text as received, instead of a whole Poco tree that the ledger would
// stringify again for the raw text of a delivered record. An answer whose object is whole but
// holds a value no strict parser takes (EvaluationProjector::refusedAValue) comes back as a
// malformed entry (MalformedEntry.h), so the sync dead-letters that record and goes on. Any other
// unreadable answer is read again, after the retry loop's backoff: the same bytes again are bad
// data too (a malformed entry), different ones a transfer gone wrong (TransientError, and the
// window is read again).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "genesys/EvaluationRef.h"

namespace evalbridge {

// How many threads read `refs` evaluations (the caller among them): as few as read them in as
// few rounds as `maxConcurrency` would. 6 refs at 4 take two rounds, as 3 readers do. Each reader
// beyond the caller costs a handoff to a pool thread and, when the org has no idle connection, a
// new one (measured: one 100-org sync made 379 connections for 1,458 requests, most of them for
// helpers that read a single evaluation); the page's latency, in round trips, stays the same.
int readersFor(std::size_t refs, int maxConcurrency);

class EvaluationProjector;
class OrgClient;
class ProjectionPaths;

class EvaluationFetcher {
 public:
  // `projection` null: each evaluation is parsed whole.
  EvaluationFetcher(OrgClient& client, int maxConcurrency, std::shared_ptr<const ProjectionPaths> projection = nullptr);

  // The evaluations in the order of `refs`. One that no longer exists (404: deleted since the
  // analytics job ran) is left out and logged. Any other failure is rethrown once every worker
  // has stopped (the first failure wins; the others stop taking work).
  std::vector<Poco::JSON::Object::Ptr> fetch(const std::vector<EvaluationRef>& refs);

  // Like fetch(), but one entry per ref, in order: null where the evaluation is gone (404).
  std::vector<Poco::JSON::Object::Ptr> fetchEach(const std::vector<EvaluationRef>& refs);

 private:
  // An unreadable answer is read once more, on the one retry loop (http/RetryLoop.h).
  static constexpr int kFullReadAttempts = 2;

  // `projector` null: parsed whole by Poco.
  static Poco::JSON::Object::Ptr readEvaluation(const std::string& body, EvaluationProjector* projector,
                                                std::string& problem);
  Poco::JSON::Object::Ptr fetchOne(const EvaluationRef& ref, EvaluationProjector* projector);

  OrgClient& client_;
  int maxConcurrency_;
  std::shared_ptr<const ProjectionPaths> projection_;
};

}  // namespace evalbridge
