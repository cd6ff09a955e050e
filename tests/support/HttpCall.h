#pragma once
// One plain HTTP exchange with a server the test started on 127.0.0.1 (the bridge's own server,
// or a simulator endpoint), for tests that assert on status, headers and body.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

namespace evalbridge::test {

using HttpCallHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  Poco::JSON::Object::Ptr json() const {
    Poco::JSON::Parser parser;
    return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
  }
  std::string header(const std::string& name) const {
    auto it = headers.find(Poco::toLower(name));
    return it == headers.end() ? std::string() : it->second;
  }
};

inline HttpAnswer httpCall(const std::string& baseUrl, const std::string& method, const std::string& pathAndQuery,
                           const std::string& body = "", const HttpCallHeaders& headers = {},
                           const std::string& contentType = "application/json") {
  const Poco::URI base(baseUrl);
  Poco::Net::HTTPClientSession session(base.getHost(), base.getPort());
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, pathAndQuery, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    if (!request.has("Content-Type")) request.setContentType(contentType);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpAnswer answer;
  answer.status = static_cast<int>(response.getStatus());
  Poco::StreamCopier::copyToString(in, answer.body);
  for (const auto& [name, value] : response) answer.headers[Poco::toLower(name)] = value;
  return answer;
}

inline HttpAnswer httpCall(int port, const std::string& method, const std::string& path, const std::string& body = "",
                           const HttpCallHeaders& headers = {}) {
  return httpCall("http://127.0.0.1:" + std::to_string(port), method, path, body, headers);
}

}  // namespace evalbridge::test
