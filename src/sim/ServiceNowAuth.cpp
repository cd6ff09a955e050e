#include "sim/ServiceNowAuth.h"

#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/String.h>

#include "sim/RandomIds.h"

namespace evalbridge::sim {
namespace {
std::string field(const std::map<std::string, std::string>& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}
bool hasScheme(const std::string& header, const std::string& scheme) {
  return header.size() > scheme.size() && Poco::icompare(header.substr(0, scheme.size()), scheme) == 0;
}
}  // namespace

ServiceNowAuth::ServiceNowAuth(const ServiceNowSpec& spec)
    : username_(spec.username),
      password_(spec.password),
      clientId_(spec.oauthClientId),
      clientSecret_(spec.oauthClientSecret) {}

std::optional<std::string> ServiceNowAuth::authenticate(const std::string& header) const {
  if (hasScheme(header, "Basic ")) {
    try {
      Poco::Net::HTTPBasicCredentials credentials(header.substr(6));
      if (credentials.getUsername() == username_ && credentials.getPassword() == password_) return username_;
    } catch (const Poco::Exception&) {
      // malformed credentials are simply not accepted
    }
    return std::nullopt;
  }
  if (hasScheme(header, "Bearer ")) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tokenExpiry_.find(header.substr(7));
    if (it != tokenExpiry_.end() && Poco::Timestamp() < it->second) return username_;
  }
  return std::nullopt;
}

std::optional<ServiceNowAuth::IssuedToken> ServiceNowAuth::issueToken(const std::map<std::string, std::string>& form) {
  const std::string grant = field(form, "grant_type");
  const bool clientOk = field(form, "client_id") == clientId_ && field(form, "client_secret") == clientSecret_;
  const bool userOk = field(form, "username") == username_ && field(form, "password") == password_;
  const bool accepted = clientOk && (grant == "client_credentials" || (grant == "password" && userOk));
  if (!accepted) return std::nullopt;
  const Poco::Timestamp now;
  std::lock_guard<std::mutex> lock(mutex_);
  std::string& current = currentToken_[grant];
  const auto held = tokenExpiry_.find(current);
  if (held != tokenExpiry_.end() && now < held->second)
    return IssuedToken{current, static_cast<int>((held->second - now) / Poco::Timestamp::resolution())};
  current = randomHex(86);
  Poco::Timestamp expiry = now;
  expiry += static_cast<Poco::Timestamp::TimeDiff>(kTokenLifetimeS) * Poco::Timestamp::resolution();
  tokenExpiry_[current] = expiry;
  return IssuedToken{current, kTokenLifetimeS};
}

}  // namespace evalbridge::sim
