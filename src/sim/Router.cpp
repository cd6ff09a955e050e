#include "sim/Router.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/URI.h>

namespace evalbridge::sim {

Router::Router(const ServerContext& context, MakeHandler fallback)
    : context_(context), fallback_(std::move(fallback)) {}

Router& Router::add(const std::string& method, const std::string& pattern, MakeHandler make) {
  routes_.push_back(Route{method, split(pattern), std::move(make)});
  return *this;
}

std::vector<std::string> Router::split(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

Poco::Net::HTTPRequestHandler* Router::createRequestHandler(const Poco::Net::HTTPServerRequest& request) {
  std::vector<std::string> segments;
  try {
    segments = split(Poco::URI(request.getURI()).getPath());
  } catch (const Poco::Exception&) {
    // An undecodable URI matches no route; the fallback answers it.
  }
  for (const auto& route : routes_) {
    if (route.method != "*" && route.method != request.getMethod()) continue;
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool matched = true;
    for (std::size_t i = 0; i < segments.size() && matched; ++i) {
      const std::string& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        params[want.substr(1, want.size() - 2)] = segments[i];
      } else {
        matched = want == segments[i];
      }
    }
    if (!matched) continue;
    SimHandler* handler = route.make();
    handler->bind(&context_, std::move(params));
    return handler;
  }
  SimHandler* handler = fallback_();
  handler->bind(&context_, {});
  return handler;
}

}  // namespace evalbridge::sim
