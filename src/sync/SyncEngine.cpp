#include "sync/SyncEngine.h"

#include <future>

#include "common/Errors.h"
#include "genesys/ExportJobSource.h"
#include "genesys/OrgClient.h"
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
      : settings(org), mapping(Mapping::loadFile(org.mappingPath)), client(org, shutdown) {
    if (org.source != "export")
      throw ConfigError("genesys.orgs[" + org.name + "].source: '" + org.source + "' is not available yet (use \"export\")");
    source = std::make_unique<ExportJobSource>(client, shutdown);
  }
};

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

std::vector<OrgSyncReport> SyncEngine::syncOnce(const std::string& orgName, const SyncRange& range) {
  if (!orgName.empty() && !config_.findOrg(orgName))
    throw ConfigError(config_.sourceFile + ": --org " + orgName + ": no org of that name in genesys.orgs");
  IncidentSink sink(*serviceNow_, *ledger_, shutdown_);
  std::vector<std::future<OrgSyncReport>> running;
  for (auto& org : orgs_) {
    if (!orgName.empty() && org->settings.name != orgName) continue;
    running.push_back(std::async(std::launch::async, [&, parts = org.get()] {
      OrgSync sync(parts->settings, parts->client, *parts->source, parts->mapping, *ledger_, sink, shutdown_);
      return sync.run(range);
    }));
  }
  std::vector<OrgSyncReport> reports;
  for (auto& future : running) reports.push_back(future.get());
  return reports;
}

}  // namespace evalbridge
