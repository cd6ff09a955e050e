#pragma once
// What a lean skip (a skip that never reached ServiceNow) reads as through Ledger::find, whether it
// is written or still buffered, and how many rows a ledger table holds (read on a connection of its
// own, so it sees only what is written).
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "ledger/LedgerRecord.h"
#include "ledger/Statement.h"
#include "support/LedgerBackends.h"

namespace evalbridge::test {

inline void checkLeanSkip(const std::optional<LedgerRecord>& row, const std::string& orgId, const std::string& orgName,
                          const std::string& evaluationId, const std::string& changedDate, const std::string& reason) {
  REQUIRE(row);
  CHECK(row->status == RecordStatus::Skipped);
  CHECK(row->orgName == orgName);
  CHECK(row->correlationId == "evalbridge:" + orgId + ":" + evaluationId);
  CHECK(row->changedDate == changedDate);
  CHECK(row->skipReason == reason);
  CHECK(row->contentHash == "skipped");
  CHECK_FALSE(row->firstSeenAt.empty());
}

inline long long countRows(const LedgerPlace& place, const std::string& table) {
  const std::unique_ptr<Database> db = place.open();
  Statement query(*db, "SELECT COUNT(*) FROM " + table);
  query.step();
  return query.integer(0);
}

}  // namespace evalbridge::test
