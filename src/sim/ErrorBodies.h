#pragma once
// Error documents in each simulated service's own shape, in one place: Genesys
// ({message, code, status, messageParams, contextId, details, errors}), ServiceNow
// ({"error":{message, detail}, "status":"failure"}), the download host (an S3-style XML error,
// as pre-signed object-store URLs answer) and the control endpoint ({"error": text}).
#include <Poco/JSON/Object.h>

#include <string>

namespace evalbridge::sim {

enum class ServerKind { GenesysOrg, ServiceNow, Download, Control };

Poco::JSON::Object::Ptr genesysError(int status, const std::string& code, const std::string& message,
                                     Poco::JSON::Object::Ptr messageParams = nullptr);
Poco::JSON::Object::Ptr serviceNowError(const std::string& message, const std::string& detail);
std::string downloadErrorXml(const std::string& code, const std::string& message);

// The Genesys error code that goes with an HTTP status (too.many.requests for 429, ...).
std::string genesysCodeForStatus(int status);

struct ErrorDocument {
  std::string contentType;
  std::string body;
};
// What a server of `kind` answers for an injected (or otherwise generic) `status`.
ErrorDocument errorDocumentFor(ServerKind kind, int status, const std::string& detail);

}  // namespace evalbridge::sim
