#pragma once
// The polling fallback for incident state (SPEC section 7), for when ServiceNow's webhook cannot
// reach the bridge: reads incidents whose correlation_id starts with "evalbridge:", in
// (sys_updated_on, sys_id) order, from where the last poll stopped.
//
// sys_updated_on has one-second resolution and an update can land in a second already read, so
// each poll first reads the last second again, whole; updates are then de-duplicated by
// sys_mod_count (IncidentStateStore), never skipped. A page full of one second is paged on by
// sys_id inside that second (keyset paging with AND-only conditions: ServiceNow's encoded
// queries have no tuple comparison). The instance ignores a query part it cannot apply instead of
// refusing it, so every page is checked to lie past its cursor: a poll never reads one page for
// ever.
#include <functional>
#include <string>
#include <vector>

#include "ledger/IncidentStateStore.h"

namespace evalbridge {

class ServiceNowClient;
class ShutdownToken;
struct Incident;

// The state the ledger mirrors, read from a Table API record (poll) or a webhook body. A poll
// asks for every mirrored field, so an empty one means "empty in ServiceNow".
IncidentStateUpdate stateUpdateFrom(const Incident& incident);

struct PullReport {
  bool ok = true;
  std::string error;
  int pages = 0;
  int read = 0;
  int applied = 0;
  int duplicates = 0;
  int outOfOrder = 0;
  int unknown = 0;
};

class IncidentStatePuller {
 public:
  // Called for every record read, with what the store made of it (metrics, logs, write-back).
  using Observer = std::function<void(const IncidentStateUpdate&, const StateResult&)>;

  IncidentStatePuller(ServiceNowClient& client, IncidentStateStore& store, ShutdownToken& shutdown,
                      int pageSize = 200, Observer observer = {});

  // One poll: everything updated since the cursor. Never throws for ServiceNow or network
  // failures (the report says what failed; the cursor keeps what was read).
  PullReport pullOnce();

  // The encoded queries, exposed for tests.
  static std::string queryAfter(const std::string& updatedOn);
  static std::string queryWithinSecond(const std::string& updatedOn, const std::string& afterSysId);

 private:
  // Reads one page; returns the records in order.
  std::vector<IncidentStateUpdate> page(const std::string& encodedQuery);
  void applyAll(const std::vector<IncidentStateUpdate>& records, PullReport& report);
  // Reads the rest of one second (sys_id > afterSysId), page by page; returns the last sys_id.
  std::string drainSecond(const std::string& updatedOn, std::string afterSysId, PullReport& report);

  ServiceNowClient& client_;
  IncidentStateStore& store_;
  ShutdownToken& shutdown_;
  int pageSize_;
  Observer observer_;
};

}  // namespace evalbridge
