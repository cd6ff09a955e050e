#include "sim/GenesysApiHandler.h"

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/NetException.h>
#include <Poco/String.h>

#include <sstream>

#include "sim/ErrorBodies.h"
#include "sim/JsonText.h"
#include "sim/RandomIds.h"

namespace evalbridge::sim {
namespace {

Poco::JSON::Object::Ptr idAndName(const std::string& id, const std::string& name) {
  auto object = orderedObject();
  object->set("id", id);
  object->set("name", name);
  return object;
}

void oauthError(Exchange& exchange, const std::string& error, const std::string& description) {
  auto body = orderedObject();
  body->set("error", error);
  body->set("description", description);
  body->set("error_description", description);
  exchange.reply(400, body);
}

}  // namespace

std::string homeDivisionId(const OrgSpec& spec) {
  SplitMix64 ids(mixSeed(spec.seed, std::string("home-division")));
  return uuidFrom(ids);
}

GenesysApiHandler::GenesysApiHandler(GenesysOrg& org, const std::string& permission)
    : org_(org), anyOf_(permission.empty() ? std::vector<std::string>{} : std::vector<std::string>{permission}) {}

GenesysApiHandler::GenesysApiHandler(GenesysOrg& org, std::vector<std::string> anyOf)
    : org_(org), anyOf_(std::move(anyOf)) {}

void GenesysApiHandler::serve(Exchange& exchange) {
  const std::string authorization = exchange.header("authorization");
  const bool isBearer = authorization.size() > 7 && Poco::icompare(authorization.substr(0, 7), "Bearer ") == 0;
  const auto state = isBearer ? org_.access.check(authorization.substr(7)) : OrgAccess::TokenState::Unknown;
  if (state == OrgAccess::TokenState::Expired) {
    exchange.reply(401, genesysError(401, "credentials.expired", "Expired credentials."));
    return;
  }
  if (state != OrgAccess::TokenState::Valid) {
    exchange.reply(401, genesysError(401, "bad.credentials", "Invalid login credentials."));
    return;
  }
  bool allowed = anyOf_.empty();
  for (const auto& permission : anyOf_) allowed = allowed || org_.access.hasPermission(permission);
  if (!allowed) {
    std::string names;
    for (const auto& permission : anyOf_) names += (names.empty() ? "" : ", ") + permission;
    auto params = orderedObject();
    params->set("permissions", names);
    if (anyOf_.size() == 1) {
      exchange.reply(403, genesysError(403, "missing.permissions",
                                       "Unable to perform the requested action. You are missing the "
                                       "following permission(s): [" + names + "]",
                                       params));
    } else {
      exchange.reply(403, genesysError(403, "missing.any.permissions",
                                       "Unable to perform the requested action. You must have at least one of "
                                       "the following permissions assigned: [" + names + "]",
                                       params));
    }
    return;
  }
  serveAuthorized(exchange);
}

void GenesysNotFoundHandler::serve(Exchange& exchange) {
  exchange.reply(404, genesysError(404, "not.found",
                                   "The requested resource was not found: " + exchange.method + " " + exchange.path));
}

void OAuthTokenHandler::serve(Exchange& exchange) {
  Poco::Net::HTMLForm form;
  std::istringstream body(exchange.body);
  try {
    form.read(body);
  } catch (const Poco::Exception&) {
    oauthError(exchange, "invalid_request", "the body is not a URL-encoded form");
    return;
  }
  if (form.get("grant_type", "") != "client_credentials") {
    oauthError(exchange, "unsupported_grant_type", "grant_type must be client_credentials");
    return;
  }
  const std::string authorization = exchange.header("authorization");
  std::optional<std::string> token;
  if (authorization.size() > 6 && Poco::icompare(authorization.substr(0, 6), "Basic ") == 0) {
    try {
      Poco::Net::HTTPBasicCredentials credentials(authorization.substr(6));
      token = org_.access.issueToken(credentials.getUsername(), credentials.getPassword());
    } catch (const Poco::Exception&) {
      // Undecodable credentials are treated like unknown ones.
    }
  }
  // Another org's server does not know the client: this is how a wrong region shows up.
  if (!token) {
    oauthError(exchange, "invalid_client", "client not found");
    return;
  }
  auto answer = orderedObject();
  answer->set("access_token", *token);
  answer->set("token_type", "bearer");
  answer->set("expires_in", org_.access.tokenLifetimeS());
  exchange.reply(200, answer);
}

void TokensMeHandler::serveAuthorized(Exchange& exchange) {
  // TokenInfo: organization and homeOrganization are NamedEntity {id, name}; OAuthClient is an
  // OrgOAuthClient of which the simulator fills {id, name, organization}. A client-credentials
  // token has no scopes (roles grant its rights), so authorizedScope is empty.
  const OrgSpec& spec = org().spec;
  SplitMix64 ids(mixSeed(spec.seed, spec.clientId));
  auto client = idAndName(uuidFrom(ids), spec.clientId);
  client->set("organization", idAndName(spec.orgId, spec.orgName));

  auto answer = orderedObject();
  answer->set("organization", idAndName(spec.orgId, spec.orgName));
  answer->set("homeOrganization", idAndName(spec.orgId, spec.orgName));
  answer->set("authorizedScope", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
  answer->set("OAuthClient", client);
  exchange.reply(200, answer);
}

}  // namespace evalbridge::sim
