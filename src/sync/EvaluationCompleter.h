#pragma once
// Makes a page of evaluations complete enough for the mapping. A search result
// (EvaluationSearchItemResponse) lacks what only the evaluation GET with expand carries: the
// names behind agent, evaluator and evaluationForm. For each result the mapping cannot decide on
// (Mapping::readiness is Incomplete), the full evaluation is read, at most
// genesys.search.maxConcurrency at a time for the org; results the mapping can already decide
// (every path present, or a skip that the present fields settle) cost no request.
// Redacted and malformed entries are passed on as they are: the sync skips or dead-letters them.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

namespace evalbridge {

class Mapping;
class OrgClient;
class ProjectionPaths;

// EvaluationResponse.redacted: true when the caller may not see the evaluation's content.
bool isRedacted(const Poco::JSON::Object::Ptr& evaluation);

// Why `evaluation` is skipped before any mapping is applied (its content is redacted, so mapping
// it would be a guess), or nothing. The sync and `evalbridge map` both ask it.
std::optional<std::string> skipBeforeMapping(const Poco::JSON::Object::Ptr& evaluation);

class EvaluationCompleter {
 public:
  // `projection`: the full evaluations are cut down to these paths, as the source's results are
  // (null: read whole).
  EvaluationCompleter(OrgClient& client, const Mapping& mapping,
                      std::shared_ptr<const ProjectionPaths> projection = nullptr);

  // The page in the same order, with incomplete results replaced by their full evaluation (cut
  // down by the projection when one is set, so possibly a decided skip, see
  // EvaluationProjection.h; or a malformed entry when the answer holds bad data, see
  // EvaluationFetcher.h). A result whose evaluation is gone (404) is left as it was. `fetched`
  // counts the full reads.
  std::vector<Poco::JSON::Object::Ptr> complete(const std::vector<Poco::JSON::Object::Ptr>& page, int& fetched);

 private:
  OrgClient& client_;
  const Mapping& mapping_;
  std::shared_ptr<const ProjectionPaths> projection_;
};

}  // namespace evalbridge
