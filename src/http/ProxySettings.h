#pragma once
// The outbound proxy, from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (lower-case forms win, as with
// curl), for every connection the bridge opens: HttpClient's requests and the notification
// WebSocket alike, so a network that allows only the proxy gets both. https (and wss) go through
// the proxy with CONNECT, so TLS and the certificate check stay end to end. Loopback hosts never
// use a proxy.
#include <optional>
#include <string>
#include <vector>

#include <Poco/Types.h>

namespace Poco::Net {
class HTTPClientSession;
}

namespace evalbridge {

struct ProxyEndpoint {
  std::string host;
  Poco::UInt16 port = 0;
  std::string username;
  std::string password;
  std::string hostPort;  // for messages (never the credentials)
};

class ProxySettings {
 public:
  ProxySettings() = default;  // no proxy
  // Throws ConfigError naming the variable when a proxy URL is unusable.
  static ProxySettings fromEnvironment();

  // The proxy for a connection to `host` by `scheme` ("https"/"wss" or "http"/"ws"), or null.
  const ProxyEndpoint* proxyFor(const std::string& scheme, const std::string& host) const;
  // Sets the session's proxy for its host, or explicitly none: never a process-wide proxy that
  // some other code set in Poco's defaults.
  void apply(Poco::Net::HTTPClientSession& session, const std::string& scheme, const std::string& host) const;
  // " (via proxy host:port)" when the connection uses one, else "".
  std::string via(const std::string& scheme, const std::string& host) const;

 private:
  bool bypass(const std::string& host) const;

  std::optional<ProxyEndpoint> http_;
  std::optional<ProxyEndpoint> https_;
  std::vector<std::string> noProxy_;  // lower-case host suffixes; "*" means every host
};

}  // namespace evalbridge
