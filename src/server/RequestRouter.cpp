#include "server/RequestRouter.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/URI.h>

#include "server/HealthHandler.h"
#include "server/JsonReply.h"
#include "server/MetricsHandler.h"
#include "server/ReadyHandler.h"
#include "server/WebhookHandler.h"

namespace evalbridge {
namespace {

class ErrorHandler : public Poco::Net::HTTPRequestHandler {
 public:
  ErrorHandler(int status, std::string message) : status_(status), message_(std::move(message)) {}
  void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
    if (status_ == 405) response.set("Allow", "GET");
    replyError(response, status_, message_);
  }

 private:
  int status_;
  std::string message_;
};

}  // namespace

RequestRouter::RequestRouter(ServerContext& context, const ServerLimits& limits)
    : context_(context), refusedWebhooks_(limits.refusedWarningInterval), metricsPage_(context.metrics, limits.metricsCacheTtl) {}

Poco::Net::HTTPRequestHandler* RequestRouter::createRequestHandler(const Poco::Net::HTTPServerRequest& request) {
  std::string path;
  try {
    path = Poco::URI(request.getURI()).getPath();
  } catch (const Poco::Exception&) {
    return new ErrorHandler(400, "invalid request URI");
  }
  const bool get = request.getMethod() == "GET" || request.getMethod() == "HEAD";
  if (path == "/webhooks/servicenow") {
    if (context_.webhookSecret.empty())
      return new ErrorHandler(404, "the webhook is disabled (server.webhookSecret is not set)");
    return new WebhookHandler(context_, refusedWebhooks_);  // answers 405 itself for other methods
  }
  if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
    if (!get) return new ErrorHandler(405, "use GET");
    if (path == "/healthz") return new HealthHandler;
    if (path == "/readyz") return new ReadyHandler(context_);
    return new MetricsHandler(context_, metricsPage_);
  }
  return new ErrorHandler(404, "no such endpoint (try /healthz, /readyz, /metrics, POST /webhooks/servicenow)");
}

}  // namespace evalbridge
