#include "server/RequestExchange.h"

#include <sys/socket.h>

#include <memory>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Timestamp.h>

#include "server/BufferedRequest.h"
#include "server/BufferedResponse.h"
#include "server/JsonReply.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.server"); }

// MSG_NOSIGNAL: a client that went away is an error here, not a SIGPIPE for the whole daemon.
void sendAll(Poco::Net::StreamSocket& socket, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const int n = socket.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent), MSG_NOSIGNAL);
    if (n <= 0) throw Poco::IOException("the client stopped reading");
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace

AfterAnswer answerRequest(Connection& connection, FramedRequest& framed, Poco::Net::HTTPRequestHandlerFactory& router,
                          const Poco::Net::HTTPServerParams& params, std::chrono::milliseconds sendTimeout) {
  BufferedResponse response;
  BufferedRequest request(framed.head, std::move(framed.body), connection.peer, connection.local, params, response);
  response.setVersion(request.getVersion());
  // A skipped body is still on the connection, unread: nothing after it can be told apart.
  const bool keepAlive = request.getKeepAlive() && !framed.bodySkipped && !connection.peerClosed;
  response.setKeepAlive(keepAlive);
  try {
    std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(router.createRequestHandler(request));
    if (handler) handler->handleRequest(request, response);
  } catch (const std::exception& e) {
    // Not the path: it is the client's text, and may be anything once percent-decoded.
    logger().error("a request handler failed: %s", std::string(e.what()));
  }
  if (!response.sent()) {
    response.clear();
    response.setKeepAlive(false);
    replyError(response, 500, "internal error");
  }
  const bool kept = keepAlive && response.getKeepAlive();
  response.setKeepAlive(kept);
  response.setDate(Poco::Timestamp());
  if (!params.getServerName().empty()) response.set("Server", params.getServerName());
  try {
    connection.socket.setBlocking(true);
    connection.socket.setSendTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(sendTimeout).count()));
    sendAll(connection.socket, response.serialize(request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD));
    if (!kept) connection.socket.shutdownSend();
  } catch (const Poco::Exception&) {
    return AfterAnswer::Broken;
  }
  return kept ? AfterAnswer::KeepAlive : AfterAnswer::Close;
}

}  // namespace evalbridge
