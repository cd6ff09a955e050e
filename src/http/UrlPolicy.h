#pragma once
// Plain http is for loopback only (127.0.0.0/8, localhost, ::1); everything else must be https.
#include <string>

namespace evalbridge {

// True for "localhost" (any case, optional trailing dot), a dotted-quad IPv4 address in
// 127.0.0.0/8, and the IPv6 loopback address ::1 in any spelling, with or without [brackets].
bool isLoopbackHost(const std::string& host);

// Throws ConfigError "<what>: ..." when `url` is not absolute http(s), or is http:// to a
// non-loopback host. `what` names the config key, e.g. "evalbridge.json: servicenow.instanceUrl".
// URLs with user:password@ are rejected as well (credentials belong in the auth settings); the
// message never repeats the URL's user info or query.
void requireSecureOrLoopback(const std::string& url, const std::string& what);

}  // namespace evalbridge
