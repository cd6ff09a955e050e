#pragma once
// Checks that a webhook request comes from ServiceNow (SPEC section 7): the headers
//   X-Evalbridge-Timestamp: Unix seconds
//   X-Evalbridge-Signature: sha256=HEX,  HEX = HMAC-SHA256(secret, timestamp + "." + body)
// must be present, the signature must match (compared in constant time), and the timestamp must
// be within the window (default 300 s) of now, either way, so a captured request cannot be
// replayed later (inside the window, IncidentStateStore refuses a signature seen before).
#include <cstdint>
#include <string>

namespace evalbridge {

struct WebhookCheck {
  bool ok = false;
  std::string reason;      // why not, for the 401 body and the log
  std::string signature;   // the verified hex digest (lower case), for replay protection
  std::int64_t timestamp = 0;
};

class WebhookVerifier {
 public:
  explicit WebhookVerifier(std::string secret, int windowS = 300);

  WebhookCheck check(const std::string& timestampHeader, const std::string& signatureHeader, const std::string& body,
                     std::int64_t nowS) const;

  // The header value a sender computes (tests, the Business Rule's documentation).
  static std::string sign(const std::string& secret, const std::string& timestamp, const std::string& body);

 private:
  std::string secret_;
  int windowS_;
};

}  // namespace evalbridge
