#include "sync/SyncMetrics.h"

#include <chrono>

#include "config/Config.h"
#include "ledger/IncidentStateStore.h"
#include "ledger/Ledger.h"
#include "sync/OrgSync.h"
#include "sync/PushPickup.h"
#include "sync/SyncStatusBoard.h"

namespace evalbridge {
namespace {

// Per-org counters: family name -> help.
const std::pair<const char*, const char*> kOrgCounters[] = {
    {"evalbridge_exported_total", "Evaluations read from Genesys Cloud (window overlap counts again)."},
    {"evalbridge_mapped_total", "Evaluations the mapping turned into an incident create or update."},
    {"evalbridge_skipped_total", "Evaluations newly recorded as not matching the mapping."},
    {"evalbridge_created_total", "Incidents created in ServiceNow."},
    {"evalbridge_adopted_total", "Incidents found by correlation_id after an uncertain outcome and adopted."},
    {"evalbridge_updated_total", "Incidents updated after a rescore."},
    {"evalbridge_retried_total", "ServiceNow delivery attempts that failed and were retried."},
    {"evalbridge_dead_lettered_total", "Records moved to the dead letter."},
};

std::string orgNameFor(const Config& config, const std::string& orgId) {
  for (const auto& org : config.orgs)
    if (org.orgId == orgId) return org.name;
  return orgId;  // a ledger record of an org no longer configured
}

}  // namespace

void declareBridgeMetrics(Metrics& metrics, const Config& config) {
  for (const auto& [name, help] : kOrgCounters) {
    metrics.declare(name, Metrics::Type::Counter, help);
    for (const auto& org : config.orgs) metrics.increment(name, {{"org", org.name}}, 0);
  }
  metrics.declare("evalbridge_sync_cycles_total", Metrics::Type::Counter, "Sync cycles run, by result.");
  metrics.declare("evalbridge_last_successful_cycle_timestamp_seconds", Metrics::Type::Gauge,
                  "Unix time at which the org's last successful cycle ended.");
  metrics.declare("evalbridge_ledger_records", Metrics::Type::Gauge, "Ledger records by org and status.");
  metrics.declare("evalbridge_ledger_incidents", Metrics::Type::Gauge,
                  "Ledger records with an incident, by org and incident state.");
  metrics.declare("evalbridge_incident_state_updates_total", Metrics::Type::Counter,
                  "Incident state updates received from ServiceNow, by source and outcome.");
  metrics.declare("evalbridge_webhook_requests_total", Metrics::Type::Counter,
                  "POST /webhooks/servicenow requests, by HTTP status answered.");
  metrics.declare("evalbridge_writeback_total", Metrics::Type::Counter,
                  "Genesys data table rows written back, by org and result.");
  metrics.declare("evalbridge_http_request_duration_seconds", Metrics::Type::Histogram,
                  "Outbound HTTP request latency, by service (servicenow, genesys) and method.", latencyBuckets());
  metrics.declare("evalbridge_lease_changes_total", Metrics::Type::Counter,
                  "Replicas on a shared ledger: org leases this replica acquired, lost (expired or taken over) "
                  "or released (rebalancing), by org.");
  metrics.declare("evalbridge_lease_held", Metrics::Type::Gauge,
                  "Replicas on a shared ledger: 1 when this replica holds the org's lease, else 0.");
  metrics.declare("evalbridge_live_replicas", Metrics::Type::Gauge,
                  "Replicas on a shared ledger: replicas whose heartbeat is current, as this one counts them.");
  metrics.declare("evalbridge_push_channel_state", Metrics::Type::Gauge,
                  "The org's push channel: 1 for its current state (connected, connecting, reconnecting, "
                  "sweep-only, off), 0 for the others.");
  metrics.declare("evalbridge_push_notifications_total", Metrics::Type::Counter,
                  "Push path, by org and event: received, duplicate (de-duplicated by the channel), dropped "
                  "(queue full), fetched, gone, failed, delivered, skipped, unchanged.");
  metrics.declare("evalbridge_pickup_latency_seconds", Metrics::Type::Histogram,
                  "Time from an evaluation's changedDate to its incident being created, updated or adopted, "
                  "by org and path: push (a notification), sweep (the scheduled sweep, recorded when its "
                  "cycle ends; it includes the sweep's interval, and an evaluation changed before the "
                  "bridge started or while it was down counts from its own changedDate).",
                  {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600});
  for (const auto& org : config.orgs) {
    metrics.increment("evalbridge_sync_cycles_total", {{"org", org.name}, {"result", "ok"}}, 0);
    metrics.increment("evalbridge_sync_cycles_total", {{"org", org.name}, {"result", "failed"}}, 0);
  }
}

void recordCycle(Metrics& metrics, const OrgSyncReport& report) {
  recordPickedUp(metrics, report, "sweep");
  metrics.increment("evalbridge_sync_cycles_total", {{"org", report.orgName}, {"result", report.ok ? "ok" : "failed"}});
}

void recordPickedUp(Metrics& metrics, const OrgSyncReport& report, const std::string& path) {
  const MetricLabels org = {{"org", report.orgName}};
  for (const float seconds : report.delivery.pickupSeconds)
    metrics.observe("evalbridge_pickup_latency_seconds", {{"org", report.orgName}, {"path", path}}, seconds);
  metrics.increment("evalbridge_exported_total", org, report.exported);
  metrics.increment("evalbridge_mapped_total", org, report.matched);
  metrics.increment("evalbridge_skipped_total", org, report.skipped);
  metrics.increment("evalbridge_created_total", org, report.delivery.created);
  metrics.increment("evalbridge_adopted_total", org, report.delivery.adopted);
  metrics.increment("evalbridge_updated_total", org, report.delivery.updated);
  metrics.increment("evalbridge_retried_total", org, report.delivery.retries);
  metrics.increment("evalbridge_dead_lettered_total", org, report.delivery.dead + report.malformed);
}

void recordStateUpdate(Metrics& metrics, const std::string& source, const StateResult& result) {
  metrics.increment("evalbridge_incident_state_updates_total", {{"source", source}, {"outcome", toString(result.outcome)}});
}

void recordWriteBack(Metrics& metrics, const std::string& orgName, bool ok) {
  metrics.increment("evalbridge_writeback_total", {{"org", orgName}, {"result", ok ? "ok" : "failed"}});
}

void recordLeaseChange(Metrics& metrics, const std::string& orgName, const char* change) {
  metrics.increment("evalbridge_lease_changes_total", {{"org", orgName}, {"change", change}});
}

void recordHttpLatency(Metrics& metrics, const std::string& service, const std::string& method, double seconds) {
  metrics.observe("evalbridge_http_request_duration_seconds", {{"service", service}, {"method", method}}, seconds);
}

void addStatusCollectors(Metrics& metrics, const Config& config, Ledger& ledger, IncidentStateStore& states,
                         const SyncStatusBoard& board) {
  metrics.addCollector([&config, &ledger, &states](Metrics& m) {
    m.clear("evalbridge_ledger_records");
    for (const auto& [orgId, counts] : ledger.statsByOrg())
      for (const auto& [status, count] : counts.byStatus)
        m.set("evalbridge_ledger_records", {{"org", orgNameFor(config, orgId)}, {"status", status}},
              static_cast<double>(count));
    m.clear("evalbridge_ledger_incidents");
    for (const auto& [orgId, byState] : states.incidentStateCounts())
      for (const auto& [state, count] : byState)
        m.set("evalbridge_ledger_incidents", {{"org", orgNameFor(config, orgId)}, {"state", state}},
              static_cast<double>(count));
  });
  metrics.addCollector([&board](Metrics& m) {
    for (const auto& status : board.all()) {
      for (const char* state : {"connected", "connecting", "reconnecting", "sweep-only", "off"})
        m.set("evalbridge_push_channel_state", {{"org", status.orgName}, {"state", state}},
              status.push == state ? 1 : 0);
      if (!status.lastSuccess) continue;
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(status.lastSuccess->time_since_epoch());
      m.set("evalbridge_last_successful_cycle_timestamp_seconds", {{"org", status.orgName}},
            static_cast<double>(seconds.count()));
    }
  });
}

void addPushCollector(Metrics& metrics, const PushPickup& push) {
  metrics.addCollector([&push](Metrics& m) {
    for (const auto& org : push.status()) {
      const auto total = [&](const char* event, std::uint64_t value) {
        m.setTotal("evalbridge_push_notifications_total", {{"org", org.orgName}, {"event", event}},
                   static_cast<double>(value));
      };
      total("received", org.counts.received);
      total("duplicate", org.channel.duplicateHints);
      total("dropped", org.counts.dropped);
      total("fetched", org.counts.fetched);
      total("gone", org.counts.gone);
      total("failed", org.counts.failed);
      total("delivered", org.counts.delivered);
      total("skipped", org.counts.skipped);
      total("unchanged", org.counts.unchanged);
    }
  });
}

}  // namespace evalbridge
