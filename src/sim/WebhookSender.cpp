#include "sim/WebhookSender.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include "common/HmacSha256.h"
#include "sim/JsonText.h"

namespace evalbridge::sim {

WebhookSender::WebhookSender(std::string url, std::string secret) : url_(std::move(url)), secret_(std::move(secret)) {}

std::string WebhookSender::signature(const std::string& secret, const std::string& timestamp, const std::string& body) {
  return "sha256=" + hmacSha256Hex(secret, timestamp + "." + body);
}

int WebhookSender::send(const Poco::JSON::Object::Ptr& payload) const {
  auto& logger = Poco::Logger::get("evalbridge.sim");
  try {
    const Poco::URI uri(url_);
    if (uri.getScheme() != "http") {
      logger.error("webhook %s: only http:// is supported by the simulator", url_);
      return 0;
    }
    const std::string body = toJson(payload);
    const std::string timestamp = std::to_string(Poco::Timestamp().epochTime());
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(Poco::Timespan(5, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathAndQuery(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.set("X-Evalbridge-Timestamp", timestamp);
    request.set("X-Evalbridge-Signature", signature(secret_, timestamp, body));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& answer = session.receiveResponse(response);
    Poco::NullOutputStream discard;
    Poco::StreamCopier::copyStream(answer, discard);
    if (response.getStatus() >= 300) {
      logger.warning("webhook %s answered %d", url_, static_cast<int>(response.getStatus()));
    }
    return static_cast<int>(response.getStatus());
  } catch (const Poco::Exception& e) {
    logger.warning("webhook %s failed: %s", url_, e.displayText());
    return 0;
  }
}

}  // namespace evalbridge::sim
