#pragma once
// What the server tests start from: a ledger with one delivered incident (sys-1, INC0010001,
// state 1, mod count 0) for evaluation "eval-1" of org `orgId` ("acme-us"), and that org expected
// on the readiness board, so the webhook and the probes have something real to answer about.
#include <string>

#include "ledger/Ledger.h"
#include "sync/SyncStatusBoard.h"

namespace evalbridge::test {

inline void seedOneIncident(Ledger& ledger, SyncStatusBoard& board, const std::string& orgId) {
  Observation seen;
  seen.orgId = orgId;
  seen.orgName = "acme-us";
  seen.evaluationId = "eval-1";
  seen.changedDate = "2026-11-01T00:00:00Z";
  seen.matched = true;
  seen.fieldsJson = R"({"short_description":"QA fail"})";
  ledger.observe({seen});
  ledger.markDelivered(orgId, "eval-1", IncidentRef{"sys-1", "INC0010001", "1", "2026-11-01 10:00:00", 0});
  board.expect("acme-us", orgId);
}

}  // namespace evalbridge::test
