#pragma once
// Who may call the simulated ServiceNow instance: Basic auth with the integration user, or a
// Bearer token from POST /oauth_token.do (client_credentials with the OAuth client, or password
// with the client and the user). Tokens live 1800 s, as ServiceNow's default. Thread-safe.
#include <Poco/Timestamp.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "sim/Simulator.h"

namespace evalbridge::sim {

class ServiceNowAuth {
 public:
  static constexpr int kTokenLifetimeS = 1800;

  explicit ServiceNowAuth(const ServiceNowSpec& spec);

  // The acting user name when `authorizationHeader` is acceptable, else nullopt.
  std::optional<std::string> authenticate(const std::string& authorizationHeader) const;
  struct IssuedToken {
    std::string token;
    int expiresInS;  // what is left of its lifetime
  };
  // `form` holds the token request's fields (grant_type, client_id, ...); nullopt = access_denied.
  // As ServiceNow's docs say, a request within the current token's lifetime gets that token back
  // ("always return the current access token"); expires_in is then what is left of it (the docs
  // do not say; the bridge must cope with either).
  std::optional<IssuedToken> issueToken(const std::map<std::string, std::string>& form);

 private:
  const std::string username_;
  const std::string password_;
  const std::string clientId_;
  const std::string clientSecret_;
  mutable std::mutex mutex_;
  std::map<std::string, Poco::Timestamp> tokenExpiry_;
  std::map<std::string, std::string> currentToken_;  // by grant (and user): the token it returns
};

}  // namespace evalbridge::sim
