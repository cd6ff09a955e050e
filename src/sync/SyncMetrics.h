#pragma once
// The bridge's metric families (SPEC section 9) and how `run` feeds them: per-org counters from
// each cycle's OrgSyncReport, state updates from the webhook and the poll, ledger gauges read at
// scrape time (so they always equal `ledger stats`), and HTTP latency histograms.
#include <string>

#include "common/Metrics.h"

namespace evalbridge {

struct Config;
struct OrgSyncReport;
struct StateResult;
class IncidentStateStore;
class Ledger;
class PushPickup;
class SyncStatusBoard;

// Declares every family and creates the per-org series at 0, so a scrape lists every org from
// the start.
void declareBridgeMetrics(Metrics& metrics, const Config& config);

// A sweep's cycle: the per-org counters, its pickup latencies (path "sweep") and its result.
void recordCycle(Metrics& metrics, const OrgSyncReport& report);
// The per-org counters alone (exported, mapped, skipped, created, ...) and the pickup latencies
// by `path`, for work done outside a cycle: the push path records each evaluation it handled this
// way ("push"), so the counters count both.
void recordPickedUp(Metrics& metrics, const OrgSyncReport& report, const std::string& path);
void recordStateUpdate(Metrics& metrics, const std::string& source, const StateResult& result);
void recordWriteBack(Metrics& metrics, const std::string& orgName, bool ok);
void recordLeaseChange(Metrics& metrics, const std::string& orgName, const char* change);
void recordHttpLatency(Metrics& metrics, const std::string& service, const std::string& method, double seconds);

// Gauges read at scrape time: ledger records by org and status, incidents by org and state, and
// the last successful cycle per org.
void addStatusCollectors(Metrics& metrics, const Config& config, Ledger& ledger, IncidentStateStore& states,
                         const SyncStatusBoard& board);

// The push path's counters (PushPickup::status()), read at scrape time.
void addPushCollector(Metrics& metrics, const PushPickup& push);

}  // namespace evalbridge
