#pragma once
// Doctor checks for one Genesys Cloud org: login (credentials and region), org identity
// (tokens/me vs the configured orgId), each permission the org's source needs, and, for the
// export source, whether the org offers the export API at all.
#include "app/DoctorCheck.h"
#include "config/Config.h"

namespace evalbridge {

class ShutdownToken;

DoctorChecks checkGenesysOrg(const OrgSettings& org, ShutdownToken& shutdown);

}  // namespace evalbridge
