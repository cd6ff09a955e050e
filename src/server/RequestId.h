#pragma once
// The request id logged with a webhook request and echoed in X-Request-Id.
#include <string>

namespace evalbridge {

// The client's X-Request-Id when it is 1 to 64 characters of [A-Za-z0-9._-]; otherwise a new
// random UUID. Anything else (CR/LF, spaces, quotes) could forge log lines or log fields.
std::string requestIdFrom(const std::string& header);

}  // namespace evalbridge
