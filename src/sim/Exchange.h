#pragma once
// One request and the answer being built for it. Handlers fill the answer here instead of
// writing to the socket, so the common code around them can still record it, corrupt it
// (badJson) or drop it after the work was done (ambiguous).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/Simulator.h"

namespace evalbridge::sim {

struct Exchange {
  // The request.
  std::string method;
  std::string path;                                              // without the query
  std::string query;                                             // raw
  std::vector<std::pair<std::string, std::string>> queryParams;  // decoded
  std::map<std::string, std::string> headers;                    // lower-case names
  std::string body;
  std::map<std::string, std::string> pathParams;  // {name} segments of the matched route
  std::optional<FaultRule> fault;                 // a fault the handler itself must act on (kind "jobStatus")

  // The answer.
  int status = 200;
  std::string contentType = "application/json";
  std::string responseBody;
  std::vector<std::pair<std::string, std::string>> responseHeaders;
  // Set with status 101 by an endpoint that switches protocols (the notification WebSocket): it is
  // called with the connection instead of sending the answer, after the request was logged and
  // faults had their say (a fault that replaces the answer also cancels the switch), and keeps the
  // server thread until the connection ends.
  std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)> upgrade;

  std::string header(const std::string& lowerCaseName) const;
  std::optional<std::string> queryParam(const std::string& name) const;
  std::string pathParam(const std::string& name) const;

  void reply(int statusCode, const Poco::JSON::Object::Ptr& document);
  void replyText(int statusCode, const std::string& type, const std::string& text);
  void addHeader(const std::string& name, const std::string& value);
};

}  // namespace evalbridge::sim
