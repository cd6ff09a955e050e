#pragma once
// One sync cycle for one org: settle what an earlier run left pending, then export every window
// from the checkpoint (minus the overlap) up to now, map each evaluation, record it in the ledger
// and deliver what must be created or updated. The checkpoint only moves past a window once
// nothing from it is pending, so a crash or outage never skips evaluations.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "ledger/Ledger.h"
#include "servicenow/IncidentSink.h"
#include "sync/EvaluationCompleter.h"

namespace evalbridge {

class DeliveryQueue;
class EvaluationSource;
class Mapping;
class OrgClient;
class ShutdownToken;
struct OrgSettings;

struct OrgSyncReport {
  std::string orgName;
  std::string orgId;
  bool ok = true;
  std::string error;       // why the org failed (explained), when !ok
  int windows = 0;
  int exported = 0;        // evaluations read from Genesys
  int matched = 0;         // mapped to a create or update this cycle
  int skipped = 0;         // newly recorded as not matching
  int unchanged = 0;       // seen before with the same content (overlap)
  int stale = 0;
  int malformed = 0;       // dead-lettered because unreadable
  int fetched = 0;         // read in full (evaluation GET) because a result lacked a mapped field
  DeliveryCounts delivery;
  std::string checkpoint;  // after the cycle
};

struct SyncRange {
  std::optional<std::string> from;  // ISO 8601; default: checkpoint - overlap, else org startFrom
  std::optional<std::string> to;    // ISO 8601; default: now
};

class OrgSync {
 public:
  OrgSync(const OrgSettings& org, OrgClient& client, EvaluationSource& source, const Mapping& mapping, Ledger& ledger,
          IncidentSink& sink, ShutdownToken& shutdown);
  OrgSyncReport run(const SyncRange& range);

 private:
  void processPage(const std::vector<Poco::JSON::Object::Ptr>& page, OrgSyncReport& report, DeliveryQueue& queue);
  void deliverPending(OrgSyncReport& report);
  void sendUpdatesLeftByOutcomes(OrgSyncReport& report);
  bool nothingLeftPending() const;

  const OrgSettings& org_;
  OrgClient& client_;
  EvaluationSource& source_;
  const Mapping& mapping_;
  Ledger& ledger_;
  IncidentSink& sink_;
  ShutdownToken& shutdown_;
  EvaluationCompleter completer_;
  // Records an earlier run left pending that are still pending after the settling pass: when a
  // page brings one of them again, it is delivered with a lookup first, never a blind POST.
  std::set<std::string> unsettled_;
  // Records handed to delivery in the current window. A source may bring one evaluation twice
  // (the search source re-reads the boundary of each page); while its intent is pending the
  // ledger answers Create again, and a second delivery racing the first would post it twice.
  // Cleared when the window's deliveries have drained (each one settled or left pending).
  std::set<std::string> submitted_;
};

// Raw text kept for a dead-lettered record, at most (a longer one is cut, with a note).
constexpr std::size_t kMaxDeadLetterBytes = 1024 * 1024;

// What the ledger is told about one exported evaluation: its key, and its mapped fields, skip
// reason, or why it cannot be mapped (dead letter, raw text kept). Used by the sync and by
// `ledger replay`, which maps a dead record's raw evaluation again.
Observation observationOf(const std::string& orgId, const std::string& orgName, const Mapping& mapping,
                          const Poco::JSON::Object::Ptr& evaluation);

}  // namespace evalbridge
