#pragma once
// The whole configuration file (SPEC section 3), read once into typed structs and validated at
// start-up. Every error names the file, the JSON key and the problem (ConfigError, exit code 2).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http/RetrySettings.h"
#include "ledger/RetentionPolicy.h"

namespace evalbridge {

struct ExportSettings {
  int maxWindowS = 24 * 3600;  // "maxWindow": ISO 8601 duration, e.g. "PT24H"
  int overlapS = 600;          // "overlap": ISO 8601 duration, e.g. "PT10M"
  int pollInitialMs = 500;
  int pollMaxMs = 30000;
  int jobTimeoutS = 1800;
  int maxResubmits = 3;
  int pageSize = 100;
  // Paths are configurable (SPEC section 6); {id} is replaced by the job id.
  std::string createPath = "/api/v2/quality/evaluations/export";
  std::string statusPath = "/api/v2/quality/exports/{id}";
  std::string resultsPath = "/api/v2/quality/exports/{id}/results";
};

// The "analytics" source (genesys.analytics): conversation-detail jobs find evaluations, then each
// one is read in full. Job polling, timeout and resubmits use genesys.export's settings.
struct AnalyticsSettings {
  // The job interval filters on conversation time, not evaluation time: a window [start, end) is
  // queried as [start - lookback, end) so that an evaluation completed (or rescored) up to
  // `lookback` after its conversation is still found. "lookback": ISO 8601 duration, e.g. "P30D".
  int lookbackS = 30 * 86400;
  int maxConcurrency = 4;  // parallel GETs of full evaluations, per org
};

// The "search" source (genesys.search), the default: POST /api/v2/quality/evaluations/search
// (QualityApi post_quality_evaluations_search) swept in windows on one date field.
struct SearchSettings {
  // The DATE_RANGE field. submittedDate (the last submission) moves on a rescore, so a rescored
  // evaluation is found again; releaseDate, createdDate and conversationDate may be chosen.
  std::string dateField = "submittedDate";
  // "maxWindow", at most P90D (the API allows 3 months per request). When set, every window is
  // that long. When not, a quiet stretch is read in windows of up to 30 days, each of which may
  // stop at its first full page, and a busy one in one-day windows (SweepWindows.h):
  // firstWindowS is that one day.
  int maxWindowS = 30 * 86400;
  int firstWindowS = 86400;
  int overlapS = 600;       // "overlap": each sweep starts this far before the checkpoint
  // "pageSize": results per page. The docs give no maximum; 100 is the largest the public search
  // APIs commonly allow, so it is the default and the cap.
  int pageSize = 100;
  // "maxResults": how deep page-number paging may reach in one query (pageNumber x pageSize).
  // The docs are silent; 10000 is the usual Elasticsearch window. The source never relies on it
  // (it pages by date, see SearchPaging.h), but stops with a clear error instead of asking past it.
  int maxResults = 10000;
  int maxConcurrency = 4;   // parallel evaluation GETs (for fields a search result lacks), per org
};

struct OrgSettings {
  std::string name;      // "genesys.orgs[i].name": unique, used in logs and the CLI
  std::string orgId;     // expected organization.id from tokens/me
  std::string region;    // region name or domain as written in the file
  std::string apiBase;   // resolved: override or https://api.{domain}
  std::string loginBase; // resolved: override or https://login.{domain}
  std::string clientId;
  std::string clientSecret;     // secret: never logged
  std::string mappingPath;      // resolved relative to the config file's folder
  std::string startFrom;        // ISO 8601; first window start when there is no checkpoint
  std::string source = "search";  // "search", "analytics" or "export"
  std::optional<int> intervalS;   // overrides sync.intervalS
  // "notifications": in `run`, pick evaluations up by push (topic v2.quality.evaluations on a
  // notification channel of this org) as well as by the sweep. false = sweep only.
  bool notifications = true;
  std::string caFile;
  RetrySettings retry;            // Genesys calls (token, export, polling, pages)
  int timeoutMs = 30000;
  ExportSettings exportSettings;  // copy of genesys.export (orgs may not override yet)
  AnalyticsSettings analytics;    // copy of genesys.analytics
  SearchSettings search;          // copy of genesys.search
  // The sweep's window length and overlap for this org's source: genesys.search's for "search",
  // genesys.export's for "export" and "analytics".
  int sweepWindowS() const { return source == "search" ? search.maxWindowS : exportSettings.maxWindowS; }
  int sweepOverlapS() const { return source == "search" ? search.overlapS : exportSettings.overlapS; }
  // The window length over busy stretches. A search sweep reads quiet ones in windows of up to
  // sweepWindowS (SweepWindows.h: an empty one is one cheap request); export and analytics
  // windows are jobs, always maxWindow.
  int sweepFirstWindowS() const { return source == "search" ? search.firstWindowS : exportSettings.maxWindowS; }
  // A window that held fewer evaluations than one page is quiet (SweepWindows.h).
  int sweepPageSize() const { return source == "search" ? search.pageSize : exportSettings.pageSize; }
  // "writeBack": {"datatableId": ...}: incident number and state are upserted into this Architect
  // data table (row key = evaluation id) when they change. Empty = no write-back.
  std::string writeBackDatatableId;
};

struct ServiceNowAuth {
  std::string type = "basic";  // "basic" or "oauth"
  std::string username;
  std::string password;        // secret
  std::string tokenUrl;        // oauth: default {instanceUrl}/oauth_token.do
  std::string clientId;
  std::string clientSecret;    // secret
  std::string grant = "client_credentials";  // or "password"
};

struct ServiceNowSettings {
  std::string instanceUrl;  // no trailing slash
  std::string table = "incident";
  ServiceNowAuth auth;
  int maxConcurrency = 8;
  int maxRequestsPerSecond = 20;
  RetrySettings retry;
  int timeoutMs = 30000;
  bool inputDisplayValue = true;
  std::string caFile;
};

struct SyncSettings {
  int intervalS = 300;
  int pullIntervalS = 60;
  // Org cycles running at once (sync --once and run alike). Each running org holds a thread,
  // its connections and buffers; a BPO with hundreds of orgs must not hold them all at once.
  int maxConcurrentOrgs = 16;
};

struct ServerSettings {
  std::string listenHost = "127.0.0.1";
  int listenPort = 8089;
  std::string webhookSecret;  // secret; empty means the webhook endpoint is disabled
  int maxBodyBytes = 64 * 1024;  // "maxBodyBytes": larger webhook bodies get 413
};

struct Config {
  std::string sourceFile;  // the file this was read from (for messages)
  // The SQLite file (ledger.path, resolved relative to the config file's folder) or the
  // PostgreSQL URL (ledger.url); ledgerPassword is ledger.password (PostgreSQL only, a secret).
  std::string ledgerPath = "evalbridge.db";
  std::string ledgerPassword;
  // Replicas on a PostgreSQL ledger (sync/OrgLeases): "ledger.leaseTtlS" (default 30 s; renewed
  // every third of it) and "ledger.replicaId" (default host-pid-random).
  int leaseTtlS = 30;
  std::string replicaId;
  // "ledger.retention": {"skipped", "closed", "history"}, ISO 8601 durations, each optional.
  RetentionPolicy retention;
  std::vector<OrgSettings> orgs;
  ExportSettings exportSettings;
  AnalyticsSettings analytics;
  SearchSettings search;
  SyncSettings sync;
  ServiceNowSettings servicenow;
  ServerSettings server;

  const OrgSettings* findOrg(const std::string& name) const;
};

// Reads and validates FILE. Throws ConfigError naming the file, key and problem.
Config loadConfig(const std::string& path);

// Where the config comes from when --config is not given: $EVALBRIDGE_CONFIG, then ./evalbridge.json.
std::string defaultConfigPath();

}  // namespace evalbridge
