#include "server/WebhookVerifier.h"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>

#include "common/HmacSha256.h"

namespace evalbridge {

WebhookVerifier::WebhookVerifier(std::string secret, int windowS) : secret_(std::move(secret)), windowS_(windowS) {}

std::string WebhookVerifier::sign(const std::string& secret, const std::string& timestamp, const std::string& body) {
  return "sha256=" + hmacSha256Hex(secret, timestamp + "." + body);
}

WebhookCheck WebhookVerifier::check(const std::string& timestampHeader, const std::string& signatureHeader,
                                    const std::string& body, std::int64_t nowS) const {
  WebhookCheck result;
  const std::string timestamp = Poco::trim(timestampHeader);
  const std::string signature = Poco::trim(signatureHeader);
  if (timestamp.empty() || signature.empty()) {
    result.reason = "unsigned: X-Evalbridge-Timestamp and X-Evalbridge-Signature are required";
    return result;
  }
  if (timestamp.size() > 12 ||
      !std::all_of(timestamp.begin(), timestamp.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    result.reason = "X-Evalbridge-Timestamp must be Unix seconds";
    return result;
  }
  const std::string prefix = "sha256=";
  if (signature.size() <= prefix.size() || Poco::icompare(signature.substr(0, prefix.size()), prefix) != 0) {
    result.reason = "X-Evalbridge-Signature must be sha256=HEX";
    return result;
  }
  // The signature is checked before the time, so an unsigned caller learns nothing about the clock.
  const std::string given = Poco::toLower(signature.substr(prefix.size()));
  const std::string expected = hmacSha256Hex(secret_, timestamp + "." + body);
  if (!constantTimeEquals(given, expected)) {
    result.reason = "signature does not match";
    return result;
  }
  const std::int64_t sent = std::stoll(timestamp);
  if (sent < nowS - windowS_ || sent > nowS + windowS_) {
    result.reason = "stale: the timestamp is more than " + std::to_string(windowS_) + " s from the bridge's clock";
    return result;
  }
  result.ok = true;
  result.signature = expected;
  result.timestamp = sent;
  return result;
}

}  // namespace evalbridge
