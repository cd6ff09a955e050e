#pragma once
// Doctor checks for ServiceNow: reachability and TLS, credentials, read access to the
// configured table, and that correlation_id can be queried (the bridge's exactly-once lookup).
#include "app/DoctorCheck.h"
#include "config/Config.h"

namespace evalbridge {

class ShutdownToken;

DoctorChecks checkServiceNow(const ServiceNowSettings& settings, ShutdownToken& shutdown);

}  // namespace evalbridge
