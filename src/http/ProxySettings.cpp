#include "http/ProxySettings.h"

#include <cstdlib>
#include <sstream>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "common/Errors.h"
#include "http/UrlPolicy.h"

namespace evalbridge {
namespace {

const char* firstEnv(const char* lower, const char* upper, const char** which) {
  // The lower-case form wins (curl's convention); empty values count as unset.
  for (const char* name : {lower, upper}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') {
      *which = name;
      return value;
    }
  }
  return nullptr;
}

std::optional<ProxyEndpoint> proxyFromEnv(const char* lower, const char* upper) {
  const char* which = nullptr;
  const char* raw = firstEnv(lower, upper, &which);
  if (raw == nullptr) return std::nullopt;
  std::string value = Poco::trim(std::string(raw));
  if (value.find("://") == std::string::npos) value = "http://" + value;
  Poco::URI uri;
  try {
    uri = Poco::URI(value);
  } catch (const Poco::Exception&) {
    throw ConfigError(std::string(which) + ": not a valid proxy URL");
  }
  if (Poco::toLower(uri.getScheme()) != "http")
    throw ConfigError(std::string(which) + ": only http:// proxies are supported (https is tunnelled with CONNECT)");
  if (uri.getHost().empty()) throw ConfigError(std::string(which) + ": proxy URL has no host");
  ProxyEndpoint proxy;
  proxy.host = uri.getHost();
  proxy.port = uri.getPort() != 0 ? uri.getPort() : 80;
  const std::string userInfo = uri.getUserInfo();
  if (!userInfo.empty()) {
    const auto colon = userInfo.find(':');
    proxy.username = userInfo.substr(0, colon);
    if (colon != std::string::npos) proxy.password = userInfo.substr(colon + 1);
  }
  proxy.hostPort = proxy.host + ":" + std::to_string(proxy.port);
  return proxy;
}

bool isSecureScheme(const std::string& scheme) {
  const std::string s = Poco::toLower(scheme);
  return s == "https" || s == "wss";
}

}  // namespace

ProxySettings ProxySettings::fromEnvironment() {
  ProxySettings settings;
  settings.http_ = proxyFromEnv("http_proxy", "HTTP_PROXY");
  settings.https_ = proxyFromEnv("https_proxy", "HTTPS_PROXY");
  const char* which = nullptr;
  if (const char* list = firstEnv("no_proxy", "NO_PROXY", &which)) {
    std::istringstream in(list);
    std::string entry;
    while (std::getline(in, entry, ',')) {
      entry = Poco::toLower(Poco::trim(entry));
      if (entry.empty()) continue;
      // "host:port" entries: the port is ignored (the host matches on every port).
      if (entry.front() != '[' && entry.find(':') == entry.rfind(':') && entry.find(':') != std::string::npos)
        entry = entry.substr(0, entry.find(':'));
      if (entry.front() == '[' && entry.find(']') != std::string::npos) entry = entry.substr(1, entry.find(']') - 1);
      if (entry.size() > 1 && entry.front() == '*' && entry[1] == '.') entry = entry.substr(1);
      if (entry.front() == '.') entry = entry.substr(1);
      settings.noProxy_.push_back(entry);
    }
  }
  return settings;
}

bool ProxySettings::bypass(const std::string& host) const {
  if (isLoopbackHost(host)) return true;
  const std::string h = Poco::toLower(host);
  for (const auto& entry : noProxy_) {
    if (entry == "*" || h == entry) return true;
    if (h.size() > entry.size() && h.compare(h.size() - entry.size(), entry.size(), entry) == 0 &&
        h[h.size() - entry.size() - 1] == '.')
      return true;
  }
  return false;
}

const ProxyEndpoint* ProxySettings::proxyFor(const std::string& scheme, const std::string& host) const {
  const auto& proxy = isSecureScheme(scheme) ? https_ : http_;
  if (!proxy || bypass(host)) return nullptr;
  return &*proxy;
}

void ProxySettings::apply(Poco::Net::HTTPClientSession& session, const std::string& scheme,
                          const std::string& host) const {
  Poco::Net::HTTPClientSession::ProxyConfig config;  // empty: no proxy
  if (const ProxyEndpoint* proxy = proxyFor(scheme, host)) {
    config.host = proxy->host;
    config.port = proxy->port;
    config.username = proxy->username;
    config.password = proxy->password;
  }
  session.setProxyConfig(config);
}

std::string ProxySettings::via(const std::string& scheme, const std::string& host) const {
  const ProxyEndpoint* proxy = proxyFor(scheme, host);
  return proxy != nullptr ? " (via proxy " + proxy->hostPort + ")" : std::string();
}

}  // namespace evalbridge
