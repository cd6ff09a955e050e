#pragma once
// Pushes incident changes to the bridge like a ServiceNow business rule would (SPEC section 7):
// POST {url} with the record as JSON and the headers X-Evalbridge-Timestamp (Unix seconds) and
// X-Evalbridge-Signature: sha256=HEX(HMAC-SHA256(secret, timestamp + "." + body)).
// Synchronous, best effort: failures are logged (logger "evalbridge.sim"), never thrown.
// Plain http only (the simulator is loopback-only and does not link TLS).
#include <Poco/JSON/Object.h>

#include <string>

namespace evalbridge::sim {

class WebhookSender {
 public:
  WebhookSender(std::string url, std::string secret);

  // The signature header value for a body sent at `timestamp`.
  static std::string signature(const std::string& secret, const std::string& timestamp, const std::string& body);
  // Returns the receiver's HTTP status, or 0 when nothing was delivered.
  int send(const Poco::JSON::Object::Ptr& payload) const;

 private:
  const std::string url_;
  const std::string secret_;
};

}  // namespace evalbridge::sim
