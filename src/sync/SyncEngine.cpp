#include "sync/SyncEngine.h"

#include <exception>
#include <functional>
#include <future>

#include <Poco/Logger.h>

#include "common/Errors.h"
#include "genesys/AnalyticsSource.h"
#include "genesys/ExportJobSource.h"
#include "genesys/OrgClient.h"
#include "genesys/SearchSource.h"
#include "ledger/Ledger.h"
#include "mapping/Mapping.h"
#include "servicenow/IncidentSink.h"
#include "servicenow/ServiceNowClient.h"

namespace evalbridge {

struct SyncEngine::OrgParts {
  const OrgSettings& settings;
  Mapping mapping;
  OrgClient client;
  std::unique_ptr<EvaluationSource> source;

  OrgParts(const OrgSettings& org, ShutdownToken& shutdown)
      : settings(org), mapping(Mapping::loadFile(org.mappingPath)), client(org, shutdown), source(makeSource(shutdown)) {}

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

}  // namespace

SyncEngine::SyncEngine(const Config& config, ShutdownToken& shutdown)
    : config_(config),
      shutdown_(shutdown),
      ledger_(std::make_unique<Ledger>(config.ledgerPath)),
      serviceNow_(std::make_unique<ServiceNowClient>(config.servicenow, shutdown)) {
  for (const OrgSettings& org : config.orgs) orgs_.push_back(std::make_unique<OrgParts>(org, shutdown));
}

SyncEngine::~SyncEngine() = default;

Ledger& SyncEngine::ledger() { return *ledger_; }
ServiceNowClient& SyncEngine::serviceNow() { return *serviceNow_; }

OrgClient& SyncEngine::orgClient(const std::string& orgName) {
  for (auto& org : orgs_)
    if (org->settings.name == orgName) return org->client;
  throw ConfigError(config_.sourceFile + ": no org named " + orgName + " in genesys.orgs");
}

std::vector<OrgSyncReport> SyncEngine::syncOnce(const std::string& orgName, const SyncRange& range) {
  if (!orgName.empty() && !config_.findOrg(orgName))
    throw ConfigError(config_.sourceFile + ": --org " + orgName + ": no org of that name in genesys.orgs");
  IncidentSink sink(*serviceNow_, *ledger_, shutdown_);
  std::vector<std::future<OrgSyncReport>> running;
  for (auto& org : orgs_) {
    if (!orgName.empty() && org->settings.name != orgName) continue;
    running.push_back(std::async(std::launch::async, [&, parts = org.get()] {
      return isolated(parts->settings, [&] {
        OrgSync sync(parts->settings, parts->client, *parts->source, parts->mapping, *ledger_, sink, shutdown_);
        return sync.run(range);
      });
    }));
  }
  std::vector<OrgSyncReport> reports;
  for (auto& future : running) reports.push_back(future.get());
  return reports;
}

}  // namespace evalbridge
