#include "sync/EvaluationCompleter.h"

#include "config/Config.h"
#include "genesys/EvaluationFetcher.h"
#include "genesys/EvaluationProjection.h"
#include "genesys/MalformedEntry.h"
#include "genesys/OrgClient.h"
#include "mapping/Mapping.h"

namespace evalbridge {
bool isRedacted(const Poco::JSON::Object::Ptr& evaluation) {
  return evaluation && evaluation->has("redacted") && evaluation->get("redacted").isBoolean() &&
         evaluation->getValue<bool>("redacted");
}

std::optional<std::string> skipBeforeMapping(const Poco::JSON::Object::Ptr& evaluation) {
  if (!isRedacted(evaluation)) return std::nullopt;
  return std::string(
      "redacted: the OAuth client may not see this evaluation's content; give its role quality:evaluation:view "
      "in the evaluation's division");
}

namespace {

// The conversation and evaluation ids of a result, when it has both as strings.
bool refOf(const Poco::JSON::Object::Ptr& evaluation, EvaluationRef& ref) {
  const auto conversation = evaluation->getObject("conversation");
  if (!conversation) return false;
  ref.conversationId = conversation->optValue<std::string>("id", "");
  ref.evaluationId = evaluation->optValue<std::string>("id", "");
  return !ref.conversationId.empty() && !ref.evaluationId.empty();
}

}  // namespace

EvaluationCompleter::EvaluationCompleter(OrgClient& client, const Mapping& mapping,
                                         std::shared_ptr<const ProjectionPaths> projection)
    : client_(client), mapping_(mapping), projection_(std::move(projection)) {}

std::vector<Poco::JSON::Object::Ptr> EvaluationCompleter::complete(const std::vector<Poco::JSON::Object::Ptr>& page,
                                                                   int& fetched) {
  std::vector<Poco::JSON::Object::Ptr> out(page);
  std::vector<EvaluationRef> refs;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < page.size(); ++i) {
    const auto& evaluation = page[i];
    if (!evaluation || isMalformedEntry(evaluation) || isRedacted(evaluation)) continue;
    // A skip the projection already settled needs nothing more.
    if (projectedSkipCode(evaluation) || mapping_.readiness(evaluation) != Mapping::Readiness::Incomplete) continue;
    EvaluationRef ref;
    if (!refOf(evaluation, ref)) continue;  // cannot be read again; the mapping sees what there is
    refs.push_back(std::move(ref));
    positions.push_back(i);
  }
  if (refs.empty()) return out;
  EvaluationFetcher fetcher(client_, client_.org().search.maxConcurrency, projection_);
  std::vector<Poco::JSON::Object::Ptr> full = fetcher.fetchEach(refs);
  for (std::size_t j = 0; j < refs.size(); ++j) {
    if (!full[j]) continue;
    out[positions[j]] = full[j];
    ++fetched;
  }
  return out;
}

}  // namespace evalbridge
