#pragma once
// Everything one simulated Genesys Cloud org holds: its identity (OrgSpec), who may call it
// (OrgAccess), its evaluations, its export and analytics jobs (and how far analytics data
// reaches), its data tables and its notification channels. Each part
// guards itself; the org only groups them so handlers get one reference.
#include <string>

#include "sim/AnalyticsAvailability.h"
#include "sim/DataTableStore.h"
#include "sim/EvaluationStore.h"
#include "sim/JobTracker.h"
#include "sim/NotificationHub.h"
#include "sim/OrgAccess.h"
#include "sim/Simulator.h"

namespace evalbridge::sim {

class DownloadSigner;

struct GenesysOrg {
  GenesysOrg(const OrgSpec& orgSpec, const DownloadSigner& downloadSigner)
      : spec(orgSpec),
        access(orgSpec.clientId, orgSpec.clientSecret, orgSpec.permissions, orgSpec.tokenExpiresInS),
        evaluations(orgSpec),
        exportJobs(orgSpec.jobPollsUntilDone),
        analyticsJobs(orgSpec.jobPollsUntilDone),
        analyticsAvailability(orgSpec.analyticsLagS),
        dataTables(orgSpec.dataTableColumns),
        notifications(orgSpec, access),
        signer(downloadSigner) {}

  const OrgSpec spec;  // permissions here are the initial ones; `access` has the current ones
  OrgAccess access;
  EvaluationStore evaluations;
  JobTracker exportJobs;
  JobTracker analyticsJobs;
  AnalyticsAvailability analyticsAvailability;
  DataTableStore dataTables;
  NotificationHub notifications;
  const DownloadSigner& signer;
  std::string downloadBaseUrl;  // set once by the Simulator before the servers start
};

}  // namespace evalbridge::sim
