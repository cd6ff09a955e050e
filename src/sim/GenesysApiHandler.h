#pragma once
// Base of every /api/v2 endpoint of a simulated org: enforces what Genesys enforces before any
// endpoint runs. The bearer token must have been issued by THIS org (a token from another org or
// region is "bad.credentials") and be unexpired ("credentials.expired"), and the org's client
// must hold the endpoint's permission (else 403 "missing.permissions" naming it), or for an
// endpoint documented as "Requires ANY permissions" one of them (else "missing.any.permissions"
// naming them all).
#include <string>
#include <vector>

#include "sim/GenesysOrg.h"
#include "sim/SimHandler.h"

namespace evalbridge::sim {

// The org's home division (data tables, and divisionIds in analytics results).
std::string homeDivisionId(const OrgSpec& spec);

class GenesysApiHandler : public SimHandler {
 public:
  // `permission` "" = any valid token will do.
  GenesysApiHandler(GenesysOrg& org, const std::string& permission);
  // Any one of `anyOf` will do.
  GenesysApiHandler(GenesysOrg& org, std::vector<std::string> anyOf);

 protected:
  void serve(Exchange& exchange) final;
  virtual void serveAuthorized(Exchange& exchange) = 0;
  GenesysOrg& org() { return org_; }

 private:
  GenesysOrg& org_;
  const std::vector<std::string> anyOf_;  // empty: no permission needed
};

// Answers what an unknown /api/v2 path answers (404 not.found), in Genesys's shape.
class GenesysNotFoundHandler : public SimHandler {
 protected:
  void serve(Exchange& exchange) override;
};

// POST /oauth/token (client credentials grant, Basic auth).
class OAuthTokenHandler : public SimHandler {
 public:
  explicit OAuthTokenHandler(GenesysOrg& org) : org_(org) {}

 protected:
  void serve(Exchange& exchange) override;

 private:
  GenesysOrg& org_;
};

// GET /api/v2/tokens/me
class TokensMeHandler : public GenesysApiHandler {
 public:
  explicit TokensMeHandler(GenesysOrg& org) : GenesysApiHandler(org, "") {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

}  // namespace evalbridge::sim
