#include "sync/SyncEngine.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <system_error>

#include <Poco/Logger.h>

#include "common/Errors.h"
#include "common/WorkerThreads.h"
#include "genesys/AnalyticsSource.h"
#include "genesys/EvaluationProjection.h"
#include "genesys/ExportJobSource.h"
#include "genesys/OrgClient.h"
#include "genesys/SearchSource.h"
#include "http/ShutdownToken.h"
#include "ledger/Ledger.h"
#include "mapping/Mapping.h"
#include "servicenow/IncidentSink.h"
#include "servicenow/ServiceNowClient.h"

namespace evalbridge {

struct SyncEngine::OrgParts {
  const OrgSettings& settings;
  // Shared by every org that names the same file (a BPO's orgs mostly do); read-only once loaded.
  std::shared_ptr<const Mapping> mapping;
  OrgClient client;
  std::unique_ptr<EvaluationSource> source;

  OrgParts(const OrgSettings& org, std::shared_ptr<const Mapping> loaded, ShutdownToken& shutdown,
           WorkerThreads& readers)
      : settings(org), mapping(std::move(loaded)), client(org, shutdown, {}, &readers), source(makeSource(shutdown)) {
    // Most evaluations are skipped: read only what the mapping, the sync and the search paging
    // look at, and build the rest only for the few that match (their raw text goes along).
    source->projectOnto(projectionFor(*mapping, {settings.search.dateField}));
  }

  std::unique_ptr<EvaluationSource> makeSource(ShutdownToken& shutdown) {
    if (settings.source == "search") return std::make_unique<SearchSource>(client);
    if (settings.source == "analytics") return std::make_unique<AnalyticsSource>(client, shutdown);
    if (settings.source == "export") return std::make_unique<ExportJobSource>(client, shutdown);
    throw ConfigError("genesys.orgs[" + settings.name + "].source: '" + settings.source +
                      "' must be \"search\", \"analytics\" or \"export\"");
  }
};

namespace {

// One org's cycle, never throwing: whatever escapes OrgSync (it catches the bridge's own
// exceptions) becomes this org's failure, so the other orgs' reports and deliveries stand.
OrgSyncReport isolated(const OrgSettings& org, const std::function<OrgSyncReport()>& cycle) {
  OrgSyncReport failed;
  failed.orgName = org.name;
  failed.orgId = org.orgId;
  failed.ok = false;
  try {
    return cycle();
  } catch (const Poco::Exception& e) {
    failed.error = "org " + org.name + ": " + e.message();
  } catch (const std::exception& e) {
    failed.error = "org " + org.name + ": unexpected error: " + e.what();
  } catch (...) {
    failed.error = "org " + org.name + ": unexpected error";
  }
  Poco::Logger::get("evalbridge.sync").error(failed.error);
  return failed;
}

// Enough for every org that may run at once to read with its full concurrency: each org's
// calling thread reads too, so it needs one fewer.
int readerThreads(const Config& config) {
  int perOrg = 1;
  for (const OrgSettings& org : config.orgs)
    perOrg = std::max({perOrg, org.search.maxConcurrency, org.analytics.maxConcurrency});
  return std::max(1, config.sync.maxConcurrentOrgs * (perOrg - 1));
}

}  // namespace

SyncEngine::SyncEngine(const Config& config, ShutdownToken& shutdown)
    : config_(config),
      shutdown_(shutdown),
      ledger_(std::make_unique<Ledger>(config.ledgerPath, config.ledgerPassword)),
      serviceNow_(std::make_unique<ServiceNowClient>(config.servicenow, shutdown)),
      sink_(std::make_unique<IncidentSink>(*serviceNow_, *ledger_, shutdown)),
      readers_(std::make_unique<WorkerThreads>(readerThreads(config))),
      orgSlots_(config.sync.maxConcurrentOrgs) {
  // About 1.2 MB at most. Measured on 200,000 evaluations, 1% matching (bench/RESULTS.md): the
  // skips' page writes fall by about two thirds against writing each search page's skips with it.
  ledger_->bufferSkips(8192);
  std::map<std::string, std::shared_ptr<const Mapping>> mappings;  // by file, each read once
  for (const OrgSettings& org : config.orgs) {
    auto& mapping = mappings[org.mappingPath];
    if (!mapping) mapping = std::make_shared<const Mapping>(Mapping::loadFile(org.mappingPath));
    orgs_.push_back(std::make_unique<OrgParts>(org, mapping, shutdown, *readers_));
  }
}

SyncEngine::~SyncEngine() = default;

Ledger& SyncEngine::ledger() { return *ledger_; }
ServiceNowClient& SyncEngine::serviceNow() { return *serviceNow_; }
IncidentSink& SyncEngine::sink() { return *sink_; }

SyncEngine::OrgParts& SyncEngine::parts(const std::string& orgName) {
  for (auto& org : orgs_)
    if (org->settings.name == orgName) return *org;
  throw ConfigError(config_.sourceFile + ": no org named " + orgName + " in genesys.orgs");
}

OrgClient& SyncEngine::orgClient(const std::string& orgName) { return parts(orgName).client; }
const Mapping& SyncEngine::mapping(const std::string& orgName) { return *parts(orgName).mapping; }
std::shared_ptr<const ProjectionPaths> SyncEngine::projection(const std::string& orgName) {
  return parts(orgName).source->projection();
}

std::vector<OrgSyncReport> SyncEngine::syncOnce(const std::string& orgName, const SyncRange& range) {
  if (!orgName.empty() && !config_.findOrg(orgName))
    throw ConfigError(config_.sourceFile + ": --org " + orgName + ": no org of that name in genesys.orgs");
  std::vector<OrgParts*> selected;
  for (auto& org : orgs_)
    if (orgName.empty() || org->settings.name == orgName) selected.push_back(org.get());
  std::vector<OrgSyncReport> reports(selected.size());
  // Workers take the next org in config order; the slots (shared with other callers) bound how
  // many run at once, so more workers than slots would only wait.
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < selected.size(); i = next++) reports[i] = runOrg(*selected[i], range);
  };
  const std::size_t workers =
      std::min(selected.size(), static_cast<std::size_t>(config_.sync.maxConcurrentOrgs));
  std::vector<std::future<void>> running;
  try {
    for (std::size_t w = 1; w < workers; ++w) running.push_back(std::async(std::launch::async, work));
  } catch (const std::system_error& e) {
    // The system refuses another thread (a container's pids limit, ulimit -u): the workers that
    // started take every org between them, fewer at once.
    Poco::Logger::get("evalbridge.sync")
        .warning("%s: %z of %z orgs at once this cycle; %s", refusedThreadText(e), running.size() + 1, workers,
                 std::string(kThreadLimitAdvice));
  }
  work();  // this thread is a worker too: one org needs no second thread
  for (auto& future : running) future.get();
  return reports;
}

OrgSyncReport SyncEngine::runOrg(OrgParts& parts, const SyncRange& range) {
  return isolated(parts.settings, [&] {
    // Waiting for a slot gives way to a shutdown: the org was not started, nothing is lost.
    while (!orgSlots_.tryWait(200))
      if (shutdown_.stopRequested()) throw EvalbridgeError("stopped before the org's cycle began");
    struct Release {
      Poco::Semaphore& slots;
      ~Release() { slots.set(); }
    } release{orgSlots_};
    OrgSync sync(parts.settings, parts.client, *parts.source, *parts.mapping, *ledger_, *sink_, shutdown_);
    return sync.run(range);
  });
}

}  // namespace evalbridge
