#include "server/JsonReply.h"

#include <sstream>

namespace evalbridge {

void replyText(Poco::Net::HTTPServerResponse& response, int status, const std::string& contentType,
               const std::string& body) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType(contentType);
  response.set("Cache-Control", "no-store");
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

void replyJson(Poco::Net::HTTPServerResponse& response, int status, const Poco::JSON::Object::Ptr& body) {
  std::ostringstream text;
  body->stringify(text);
  replyText(response, status, "application/json", text.str());
}

void replyError(Poco::Net::HTTPServerResponse& response, int status, const std::string& message) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("error", message);
  replyJson(response, status, body);
}

}  // namespace evalbridge
