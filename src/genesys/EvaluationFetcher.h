#pragma once
// Reads full evaluations (the evaluation GET with expand, EvaluationRef.h) with at most
// `maxConcurrency` requests in flight for one org, so one results page of references becomes one
// page of evaluations in roughly a single round trip, without hammering the org's rate limit.
#include <vector>

#include <Poco/JSON/Object.h>

#include "genesys/EvaluationRef.h"

namespace evalbridge {

class OrgClient;

class EvaluationFetcher {
 public:
  EvaluationFetcher(OrgClient& client, int maxConcurrency);

  // The evaluations in the order of `refs`. One that no longer exists (404: deleted since the
  // analytics job ran) is left out and logged. Any other failure is rethrown once every worker
  // has stopped (the first failure wins; the others stop taking work).
  std::vector<Poco::JSON::Object::Ptr> fetch(const std::vector<EvaluationRef>& refs);

  // Like fetch(), but one entry per ref, in order: null where the evaluation is gone (404).
  std::vector<Poco::JSON::Object::Ptr> fetchEach(const std::vector<EvaluationRef>& refs);

 private:
  Poco::JSON::Object::Ptr fetchOne(const EvaluationRef& ref);

  OrgClient& client_;
  int maxConcurrency_;
};

}  // namespace evalbridge
