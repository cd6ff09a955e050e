#include "server/BufferedRequest.h"

namespace evalbridge {

BufferedRequest::BufferedRequest(const std::string& head, std::string body, const Poco::Net::SocketAddress& client,
                                 const Poco::Net::SocketAddress& server, const Poco::Net::HTTPServerParams& params,
                                 Poco::Net::HTTPServerResponse& response)
    : body_(std::move(body)), client_(client), server_(server), params_(params), response_(response) {
  std::istringstream in(head);
  read(in);
}

}  // namespace evalbridge
