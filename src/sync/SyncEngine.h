#pragma once
// The assembled bridge: one OrgClient, export source and mapping per org (each org isolated),
// one ledger, one ServiceNow client and sink shared by all. Built once from the Config; mapping
// files are loaded (and validated) here, so a bad one fails at start with exit code 2.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Semaphore.h>

#include "config/Config.h"
#include "sync/OrgSync.h"

namespace evalbridge {

class Ledger;
class Mapping;
class OrgClient;
class ProjectionPaths;
class ShutdownToken;
class ServiceNowClient;
class IncidentSink;
class WorkerThreads;

class SyncEngine {
 public:
  SyncEngine(const Config& config, ShutdownToken& shutdown);
  ~SyncEngine();

  // One cycle for each selected org (all when `orgName` is empty), the orgs concurrently and
  // independently: one org's failure never stops another's delivery. At most
  // sync.maxConcurrentOrgs cycles run at once, across every caller (the daemon calls this per
  // org from its own schedule), so memory is sized by that bound, not by the number of orgs.
  std::vector<OrgSyncReport> syncOnce(const std::string& orgName, const SyncRange& range);

  Ledger& ledger();
  ServiceNowClient& serviceNow();
  // The one delivery path of this engine: every org's sweep and push deliver through it, so a
  // record is never delivered by two of them at once (DeliveryClaims).
  IncidentSink& sink();
  // The org's client (its token and connections), shared with the daemon's other workers so an
  // org holds one token. Throws ConfigError for an unknown org name.
  OrgClient& orgClient(const std::string& orgName);
  // The org's mapping, as loaded at the start (the push path maps with the same one).
  const Mapping& mapping(const std::string& orgName);
  // The paths its sweep reads of each evaluation (the push path reads the same ones).
  std::shared_ptr<const ProjectionPaths> projection(const std::string& orgName);

 private:
  struct OrgParts;
  OrgSyncReport runOrg(OrgParts& org, const SyncRange& range);
  OrgParts& parts(const std::string& orgName);
  const Config& config_;
  ShutdownToken& shutdown_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<ServiceNowClient> serviceNow_;
  std::unique_ptr<IncidentSink> sink_;
  // The threads every org's parallel evaluation GETs run on (OrgClient::readers), started as
  // reads need them and kept: declared before orgs_, so it outlives their clients.
  std::unique_ptr<WorkerThreads> readers_;
  std::vector<std::unique_ptr<OrgParts>> orgs_;
  Poco::Semaphore orgSlots_;
};

}  // namespace evalbridge
