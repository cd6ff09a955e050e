#pragma once
// Answers one complete request on a worker thread: the router picks the handler, the handler
// fills a BufferedResponse, and the answer is written with a send timeout. Keep-alive holds only
// when the client wants it, the handler allows it, and the whole body was read.
#include <chrono>

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>

#include "server/Connection.h"
#include "server/RequestFraming.h"

namespace evalbridge {

enum class AfterAnswer {
  KeepAlive,  // wait for the next request
  Close,      // answered with "Connection: close"; the sending side is shut down
  Broken,     // the answer could not be written: drop the connection
};

AfterAnswer answerRequest(Connection& connection, FramedRequest& framed, Poco::Net::HTTPRequestHandlerFactory& router,
                          const Poco::Net::HTTPServerParams& params, std::chrono::milliseconds sendTimeout);

}  // namespace evalbridge
