#include "genesys/GenesysError.h"

#include <sstream>

#include <Poco/JSON/Parser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

namespace evalbridge {
namespace {

// "[quality:evaluation:view, analytics:x:y]" or "a, b" -> {"a", "b"}
std::vector<std::string> splitPermissions(std::string text) {
  std::vector<std::string> out;
  Poco::replaceInPlace(text, "[", "");
  Poco::replaceInPlace(text, "]", "");
  Poco::StringTokenizer tokens(text, ", ", Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
  for (const auto& token : tokens)
    if (token.find(':') != std::string::npos) out.push_back(token);
  return out;
}

std::string permissionsFromMessage(const std::string& message) {
  auto open = message.find('[');
  auto close = message.find(']', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return {};
  return message.substr(open, close - open + 1);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

GenesysErrorInfo parseGenesysError(const HttpResponse& response) {
  GenesysErrorInfo info;
  info.status = response.status;
  info.correlationId = response.header("inin-correlation-id");
  try {
    Poco::JSON::Parser parser;
    auto body = parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
    info.code = body->optValue<std::string>("code", "");
    info.message = body->optValue<std::string>("message", "");
    info.contextId = body->optValue<std::string>("contextId", "");
    if (info.code.empty()) info.code = body->optValue<std::string>("error", "");  // login errors
    if (info.message.empty()) info.message = body->optValue<std::string>("description", "");
    if (auto params = body->getObject("messageParams")) {
      for (const auto& [name, value] : *params) {
        if (value.isString()) {
          for (auto& p : splitPermissions(value.toString())) info.permissions.push_back(p);
        }
      }
    }
  } catch (const std::exception&) {  // not Genesys's error JSON (Poco::Exception included)
    info.message = response.body.substr(0, 200);
  }
  if (info.permissions.empty() && (info.code == "missing.permissions" || info.code == "missing.any.permissions"))
    info.permissions = splitPermissions(permissionsFromMessage(info.message));
  return info;
}

std::string explainGenesysError(const GenesysErrorInfo& error, const GenesysErrorContext& where) {
  std::ostringstream out;
  out << "org " << where.orgName << " (" << where.orgId << "): " << where.request << " on " << where.host
      << " failed with HTTP " << error.status;
  if (!error.code.empty()) out << " " << error.code;
  if (!error.message.empty()) out << ": " << error.message;
  if (!error.correlationId.empty()) out << " [inin-correlation-id " << error.correlationId << "]";
  out << ". ";
  if (error.code == "missing.permissions" || error.code == "missing.any.permissions") {
    std::string permissions = error.permissions.empty() ? "the quality permissions" : joined(error.permissions);
    out << "Fix: in Genesys Cloud org " << where.orgName << ", go to Admin > Roles/Permissions, add "
        << permissions << (error.code == "missing.any.permissions" ? " (any one of them)" : "")
        << " to a role, then in Admin > OAuth > client " << where.clientId
        << " > Roles, assign that role in the division that holds the evaluations (or all divisions). "
           "OAuth scopes do not apply to client-credentials grants; the role does.";
  } else if (error.code == "ip.not.authorized") {
    out << "Fix: the org only accepts API calls from listed IP ranges; add this bridge's egress address "
           "under Admin > Security > IP Address Authorization in org "
        << where.orgName << ".";
  } else if (error.code == "bad.credentials" || error.code == "credentials.expired" || error.status == 401) {
    out << "The token is not (or no longer) valid for this org. Check that clientId/clientSecret belong to org "
        << where.orgName << " and that the region is the org's own.";
  } else if (error.code == "invalid_client" || error.code == "unauthorized_client") {
    out << "Fix: the login host does not know client " << where.clientId
        << ". Either clientId/clientSecret are wrong, or the org lives in another region: check \"region\" "
           "(an OAuth client exists only in its own org's region).";
  } else if (error.status == 404) {
    out << "The endpoint or object does not exist in this org (an API not enabled for it, or a wrong path).";
  } else if (error.status == 400) {
    out << "Genesys rejected the request as malformed.";
  }
  return out.str();
}

}  // namespace evalbridge
