#include "server/HealthHandler.h"

#include <Poco/Net/HTTPServerRequest.h>

#include "server/JsonReply.h"

namespace evalbridge {

void HealthHandler::handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("status", "ok");
  replyJson(response, 200, body);
}

}  // namespace evalbridge
