#include "http/UrlPolicy.h"

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <cctype>

#include "common/Errors.h"

namespace evalbridge {

namespace {

// Strict dotted quad: four decimal parts 0..255 (no octal/hex/short forms that inet_aton accepts).
bool parseDottedQuad(const std::string& host, int parts[4]) {
  int index = 0;
  std::size_t pos = 0;
  while (index < 4) {
    std::size_t start = pos;
    int value = 0;
    while (pos < host.size() && std::isdigit(static_cast<unsigned char>(host[pos]))) {
      value = value * 10 + (host[pos] - '0');
      if (value > 255 || pos - start >= 3) return false;
      ++pos;
    }
    if (pos == start) return false;
    parts[index++] = value;
    if (index < 4) {
      if (pos >= host.size() || host[pos] != '.') return false;
      ++pos;
    }
  }
  return pos == host.size();
}

}  // namespace

bool isLoopbackHost(const std::string& rawHost) {
  std::string host = Poco::toLower(rawHost);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost" || host == "localhost.") return true;
  int parts[4];
  if (parseDottedQuad(host, parts)) return parts[0] == 127;
  if (host.find(':') != std::string::npos) {
    Poco::Net::IPAddress address;
    if (Poco::Net::IPAddress::tryParse(host, address) && address.family() == Poco::Net::IPAddress::IPv6)
      return address.isLoopback();
  }
  return false;
}

void requireSecureOrLoopback(const std::string& url, const std::string& what) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    throw ConfigError(what + ": not a valid URL");
  }
  const std::string scheme = Poco::toLower(uri.getScheme());
  if (scheme.empty()) throw ConfigError(what + ": must be an absolute https:// URL");
  if (scheme != "http" && scheme != "https")
    throw ConfigError(what + ": unsupported scheme '" + scheme + "' (use https://, or http:// for loopback hosts)");
  if (uri.getHost().empty()) throw ConfigError(what + ": URL has no host");
  if (!uri.getUserInfo().empty())
    throw ConfigError(what + ": credentials in the URL are not allowed (put them in the auth settings)");
  if (scheme == "http" && !isLoopbackHost(uri.getHost()))
    throw ConfigError(what +
                      ": http:// is only allowed for loopback hosts (127.0.0.0/8, localhost, ::1); use https:// for " +
                      uri.getHost());
}

}  // namespace evalbridge
