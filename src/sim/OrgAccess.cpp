#include "sim/OrgAccess.h"

#include "sim/RandomIds.h"

namespace evalbridge::sim {

OrgAccess::OrgAccess(std::string clientId, std::string clientSecret, std::set<std::string> permissions,
                     int tokenLifetimeS)
    : clientId_(std::move(clientId)),
      clientSecret_(std::move(clientSecret)),
      tokenLifetimeS_(tokenLifetimeS),
      permissions_(std::move(permissions)) {}

std::optional<std::string> OrgAccess::issueToken(const std::string& clientId, const std::string& secret) {
  if (clientId != clientId_ || secret != clientSecret_) return std::nullopt;
  std::string token = randomHex(64);
  Poco::Timestamp expiry;
  expiry += static_cast<Poco::Timestamp::TimeDiff>(tokenLifetimeS_) * Poco::Timestamp::resolution();
  std::lock_guard<std::mutex> lock(mutex_);
  tokenExpiry_[token] = expiry;
  return token;
}

OrgAccess::TokenState OrgAccess::check(const std::string& token) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tokenExpiry_.find(token);
  if (it == tokenExpiry_.end()) return TokenState::Unknown;
  return Poco::Timestamp() < it->second ? TokenState::Valid : TokenState::Expired;
}

std::set<std::string> OrgAccess::tokensIssued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::set<std::string> tokens;
  for (const auto& entry : tokenExpiry_) tokens.insert(entry.first);
  return tokens;
}

void OrgAccess::expireAll() {
  const Poco::Timestamp now;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& entry : tokenExpiry_) entry.second = now;
}

bool OrgAccess::hasPermission(const std::string& permission) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return permissions_.count(permission) > 0;
}

void OrgAccess::grant(const std::string& permission) {
  std::lock_guard<std::mutex> lock(mutex_);
  permissions_.insert(permission);
}

void OrgAccess::revoke(const std::string& permission) {
  std::lock_guard<std::mutex> lock(mutex_);
  permissions_.erase(permission);
}

}  // namespace evalbridge::sim
