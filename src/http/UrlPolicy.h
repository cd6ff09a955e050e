#pragma once
// Plain http is for loopback only (127.0.0.0/8, localhost, ::1); everything else must be https.
#include <string>

namespace evalbridge {

bool isLoopbackHost(const std::string& host);

// Throws ConfigError "<what>: ..." when `url` is not absolute http(s), or is http:// to a
// non-loopback host. `what` names the config key, e.g. "evalbridge.json: servicenow.instanceUrl".
void requireSecureOrLoopback(const std::string& url, const std::string& what);

}  // namespace evalbridge
