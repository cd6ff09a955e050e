#pragma once
// What the mapping says must exist in ServiceNow (computed from the simulator's data, never
// hard-coded), and what does exist: shared by every test that checks delivery (test_delivery,
// test_delivery_invariants, test_faults, test_crash, test_pipeline, test_daemon, test_multiorg,
// test_search, test_analytics, test_push).
#include <map>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "http/HttpClient.h"
#include "ledger/Ledger.h"
#include "ledger/LedgerRecord.h"
#include "mapping/Mapping.h"
#include "sim/Simulator.h"
#include "support/BridgeFixture.h"
#include "sync/OrgSync.h"

namespace evalbridge::test {

// ServiceNow refuses `count` creates (-1: every one) with `status`; a 422 leaves each record in the
// dead letter with its raw text.
inline sim::FaultRule servicenowRefusesCreates(int status = 422, int count = -1) {
  sim::FaultRule refused;
  refused.server = "servicenow";
  refused.method = "POST";
  refused.kind = "status";
  refused.status = status;
  refused.count = count;
  return refused;
}

// The evaluation ids of an org that the fixture's mapping turns into incidents.
inline std::set<std::string> matchingEvaluationIds(BridgeFixture& fixture, const std::string& org) {
  Mapping mapping = Mapping::loadFile(fixture.dir.file("mapping.json"));
  std::set<std::string> ids;
  for (const auto& evaluation : fixture.simulator.evaluations(org))
    if (mapping.apply(evaluation).matched) ids.insert(evaluation->getValue<std::string>("id"));
  return ids;
}

// The correlation_ids the mapping selects among every org's evaluations in the simulator.
inline std::set<std::string> expectedCorrelationIds(const sim::Simulator& simulator, const std::string& mappingFile) {
  Mapping mapping = Mapping::loadFile(mappingFile);
  std::set<std::string> ids;
  for (const auto& org : simulator.options().orgs)
    for (const auto& evaluation : simulator.evaluations(org.name))
      if (mapping.apply(evaluation).matched)
        ids.insert(correlationIdFor(org.orgId, evaluation->getValue<std::string>("id")));
  return ids;
}

// The correlation_ids of `evaluationIds` in org `orgId`.
inline std::set<std::string> keysFor(const std::string& orgId, const std::set<std::string>& evaluationIds) {
  std::set<std::string> keys;
  for (const auto& id : evaluationIds) keys.insert("evalbridge:" + orgId + ":" + id);
  return keys;
}

// A matching evaluation of the fixture's first org, and its observation as the sync would record
// it (for tests that write a ledger row themselves, e.g. an intent left by a crash).
inline Observation firstMatching(BridgeFixture& fixture, Poco::JSON::Object::Ptr* evaluationOut = nullptr) {
  Mapping mapping = Mapping::loadFile(fixture.dir.file("mapping.json"));
  const auto& org = fixture.simulator.options().orgs[0];
  for (const auto& evaluation : fixture.simulator.evaluations(org.name)) {
    Observation observation = observationOf(org.orgId, org.name, mapping, evaluation);
    if (!observation.matched) continue;
    if (evaluationOut) *evaluationOut = evaluation;
    return observation;
  }
  FAIL("no matching evaluation");
  return {};
}

// Creates an incident directly in the simulated ServiceNow, as if an earlier run had posted it
// and lost the answer (a crash, a timeout).
inline void postIncident(BridgeFixture& fixture, const std::string& correlationId) {
  HttpClient http;
  HttpRequest request;
  request.method = "POST";
  request.url = fixture.simulator.serviceNowUrl() + "/api/now/table/incident";
  request.headers = {{"Authorization", "Basic c3ZjX2V2YWxicmlkZ2U6c24tcGFzc3dvcmQ="},
                     {"Content-Type", "application/json"}};
  request.body = R"({"short_description":"posted before a crash","correlation_id":")" + correlationId + R"("})";
  REQUIRE(http.send(request).status == 201);
}

// correlation_id -> how many incidents carry it.
inline std::map<std::string, int> incidentsByCorrelation(const sim::Simulator& simulator) {
  std::map<std::string, int> counts;
  for (const auto& incident : simulator.incidents()) ++counts[incident->optValue<std::string>("correlation_id", "")];
  return counts;
}

// correlation_ids of the incidents in the simulated ServiceNow that belong to `orgId`.
inline std::set<std::string> incidentKeysOf(BridgeFixture& fixture, const std::string& orgId) {
  std::set<std::string> keys;
  const std::string prefix = "evalbridge:" + orgId + ":";
  for (const auto& incident : fixture.simulator.incidents()) {
    const std::string key = incident->optValue<std::string>("correlation_id", "");
    if (key.rfind(prefix, 0) == 0) keys.insert(key);
  }
  return keys;
}

// The correlation_id a ServiceNow request is about (POST body or lookup query), or "".
inline std::string correlationOf(const sim::RecordedRequest& request) {
  const std::string marker = "evalbridge:";
  std::string text = request.method == "POST" ? request.body : request.query;
  auto at = text.find(request.method == "POST" ? "\"correlation_id\":\"" : "correlation_id%3D");
  if (at == std::string::npos) return {};
  at = text.find(request.method == "POST" ? marker : "evalbridge%3A", at);
  if (at == std::string::npos) return {};
  std::string id;
  for (size_t i = at; i < text.size() && text[i] != '"' && text[i] != '&'; ++i) id += text[i];
  // The query form is percent-encoded: ':' is %3A.
  for (size_t pos; (pos = id.find("%3A")) != std::string::npos;) id.replace(pos, 3, ":");
  return id;
}

}  // namespace evalbridge::test
