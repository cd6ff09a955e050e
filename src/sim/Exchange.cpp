#include "sim/Exchange.h"

#include "sim/JsonText.h"

namespace evalbridge::sim {

std::string Exchange::header(const std::string& lowerCaseName) const {
  auto it = headers.find(lowerCaseName);
  return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> Exchange::queryParam(const std::string& name) const {
  for (const auto& [key, value] : queryParams) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string Exchange::pathParam(const std::string& name) const {
  auto it = pathParams.find(name);
  return it == pathParams.end() ? std::string() : it->second;
}

void Exchange::reply(int statusCode, const Poco::JSON::Object::Ptr& document) {
  replyText(statusCode, "application/json", toJson(document));
}

void Exchange::replyText(int statusCode, const std::string& type, const std::string& text) {
  status = statusCode;
  contentType = type;
  responseBody = text;
}

void Exchange::addHeader(const std::string& name, const std::string& value) {
  responseHeaders.emplace_back(name, value);
}

}  // namespace evalbridge::sim
