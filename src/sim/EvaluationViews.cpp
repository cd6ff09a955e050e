#include "sim/EvaluationViews.h"

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include "sim/JsonText.h"

namespace evalbridge::sim {
namespace {

// {id, selfUri}, plus the name when `withName`.
Poco::JSON::Object::Ptr reference(const Poco::JSON::Object::Ptr& entity, bool withName) {
  auto out = orderedObject();
  out->set("id", entity->getValue<std::string>("id"));
  if (withName) out->set("name", entity->getValue<std::string>("name"));
  out->set("selfUri", entity->getValue<std::string>("selfUri"));
  return out;
}

void reduce(Poco::JSON::Object::Ptr evaluation, const std::string& key, bool withName) {
  evaluation->set(key, reference(evaluation->getObject(key), withName));
}

}  // namespace

std::set<std::string> parseEvaluationExpand(const std::optional<std::string>& expand) {
  static const std::set<std::string> documented = {"agent", "assignee", "evaluator", "evaluationForm"};
  std::set<std::string> values;
  if (!expand) return values;
  Poco::StringTokenizer items(*expand, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  for (const auto& item : items) {
    // Docs silent on unknown values; refusing them makes a typo ("form") show up in tests.
    if (!documented.count(item)) {
      throw Poco::InvalidArgumentException("expand: '" + item +
                                           "' is not one of agent, assignee, evaluator, evaluationForm");
    }
    values.insert(item);
  }
  return values;
}

Poco::JSON::Object::Ptr evaluationResponse(Poco::JSON::Object::Ptr evaluation, const std::set<std::string>& expand) {
  reduce(evaluation, "agent", expand.count("agent") > 0);
  reduce(evaluation, "evaluator", expand.count("evaluator") > 0);
  reduce(evaluation, "evaluationForm", expand.count("evaluationForm") > 0);
  // "assignee" is accepted but the simulator's evaluations have no assignee to expand.
  return evaluation;
}

Poco::JSON::Object::Ptr evaluationSearchItem(Poco::JSON::Object::Ptr evaluation) {
  reduce(evaluation, "agent", false);
  reduce(evaluation, "evaluator", false);
  reduce(evaluation, "evaluationForm", false);
  return evaluation;
}

}  // namespace evalbridge::sim
