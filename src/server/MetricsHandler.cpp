#include "server/MetricsHandler.h"

#include <Poco/Net/HTTPServerRequest.h>

#include "server/JsonReply.h"

namespace evalbridge {

void MetricsHandler::handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) {
  try {
    replyText(response, 200, "text/plain; version=0.0.4; charset=utf-8", page_.page());
  } catch (const Poco::Exception& e) {
    // e.g. the ledger is unreadable: say so rather than serve a partial page.
    replyError(response, 500, context_.redact ? context_.redact(e.message()) : e.message());
  }
}

}  // namespace evalbridge
