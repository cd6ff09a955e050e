#include "sim/ErrorBodies.h"

#include <Poco/JSON/Array.h>
#include <Poco/Net/HTTPResponse.h>

#include "sim/JsonText.h"
#include "sim/RandomIds.h"

namespace evalbridge::sim {

Poco::JSON::Object::Ptr genesysError(int status, const std::string& code, const std::string& message,
                                     Poco::JSON::Object::Ptr messageParams) {
  auto error = orderedObject();
  error->set("message", message);
  error->set("code", code);
  error->set("status", status);
  error->set("messageParams", messageParams ? messageParams : orderedObject());
  error->set("contextId", randomUuid());
  error->set("details", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
  error->set("errors", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
  return error;
}

Poco::JSON::Object::Ptr serviceNowError(const std::string& message, const std::string& detail) {
  auto inner = orderedObject();
  inner->set("message", message);
  inner->set("detail", detail);
  auto error = orderedObject();
  error->set("error", inner);
  error->set("status", "failure");
  return error;
}

std::string downloadErrorXml(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message +
         "</Message><RequestId>" + randomHex(16) + "</RequestId></Error>";
}

std::string genesysCodeForStatus(int status) {
  switch (status) {
    case 400:
      return "bad.request";
    case 401:
      return "bad.credentials";
    case 403:
      return "not.authorized";
    case 404:
      return "not.found";
    case 408:
      return "request.timeout";
    case 409:
      return "conflict";
    case 429:
      return "too.many.requests";
    case 500:
      return "internal.server.error";
    case 502:
      return "bad.gateway";
    case 503:
      return "service.unavailable";
    case 504:
      return "gateway.timeout";
    default:
      return "error";
  }
}

ErrorDocument errorDocumentFor(ServerKind kind, int status, const std::string& detail) {
  const std::string reason =
      Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  switch (kind) {
    case ServerKind::GenesysOrg: {
      const std::string message = status == 429 ? "Rate limit exceeded the maximum. [600] requests for [60] seconds"
                                                : reason + (detail.empty() ? "" : ": " + detail);
      return {"application/json", toJson(genesysError(status, genesysCodeForStatus(status), message))};
    }
    case ServerKind::ServiceNow:
      if (status == 429) {  // shared/examples/servicenow-429.json
        return {"application/json",
                toJson(serviceNowError("Rate limit exceeded",
                                       "Rate limit of 1000 requests per hour for Table API exceeded"))};
      }
      return {"application/json", toJson(serviceNowError(reason, detail.empty() ? reason : detail))};
    case ServerKind::Download:
      return {"application/xml",
              downloadErrorXml(status == 503 ? "SlowDown" : "InternalError", detail.empty() ? reason : detail)};
    case ServerKind::Control:
      break;
  }
  auto error = orderedObject();
  error->set("error", detail.empty() ? reason : detail);
  return {"application/json", toJson(error)};
}

}  // namespace evalbridge::sim
