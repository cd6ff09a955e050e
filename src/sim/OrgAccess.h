#pragma once
// Who may call one simulated Genesys org: the OAuth client it knows, the bearer tokens it issued
// (opaque, random, valid only here), and the permissions its client's roles grant. Thread-safe.
#include <Poco/Timestamp.h>

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace evalbridge::sim {

class OrgAccess {
 public:
  OrgAccess(std::string clientId, std::string clientSecret, std::set<std::string> permissions, int tokenLifetimeS);

  // nullopt when the client is unknown here or the secret is wrong (invalid_client).
  std::optional<std::string> issueToken(const std::string& clientId, const std::string& secret);
  int tokenLifetimeS() const { return tokenLifetimeS_; }

  enum class TokenState { Valid, Unknown, Expired };
  TokenState check(const std::string& token) const;
  std::set<std::string> tokensIssued() const;
  void expireAll();

  bool hasPermission(const std::string& permission) const;
  void grant(const std::string& permission);
  void revoke(const std::string& permission);

 private:
  const std::string clientId_;
  const std::string clientSecret_;
  const int tokenLifetimeS_;
  mutable std::mutex mutex_;
  std::set<std::string> permissions_;
  std::map<std::string, Poco::Timestamp> tokenExpiry_;  // token -> when it stops working
};

}  // namespace evalbridge::sim
