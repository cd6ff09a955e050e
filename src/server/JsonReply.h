#pragma once
// Sends a JSON (or plain text) answer with the right headers; every handler answers through here.
#include <string>

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerResponse.h>

namespace evalbridge {

void replyJson(Poco::Net::HTTPServerResponse& response, int status, const Poco::JSON::Object::Ptr& body);
void replyText(Poco::Net::HTTPServerResponse& response, int status, const std::string& contentType,
               const std::string& body);
// {"error": message} with `status`.
void replyError(Poco::Net::HTTPServerResponse& response, int status, const std::string& message);

}  // namespace evalbridge
