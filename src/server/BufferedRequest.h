#pragma once
// A request the server has read whole (head and body, see RequestFraming.h), offered to the
// handlers through Poco's HTTPServerRequest interface: handlers stay plain Poco request
// handlers, and nothing they do or skip can leave bytes of this request on the connection.
#include <sstream>
#include <string>

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/SocketAddress.h>

namespace evalbridge {

class BufferedRequest : public Poco::Net::HTTPServerRequest {
 public:
  // Parses `head` (already checked by frameRequest, so it does not throw for a framed request).
  BufferedRequest(const std::string& head, std::string body, const Poco::Net::SocketAddress& client,
                  const Poco::Net::SocketAddress& server, const Poco::Net::HTTPServerParams& params,
                  Poco::Net::HTTPServerResponse& response);

  std::istream& stream() override { return body_; }
  const Poco::Net::SocketAddress& clientAddress() const override { return client_; }
  const Poco::Net::SocketAddress& serverAddress() const override { return server_; }
  const Poco::Net::HTTPServerParams& serverParams() const override { return params_; }
  Poco::Net::HTTPServerResponse& response() const override { return response_; }
  bool secure() const override { return false; }  // TLS ends at the reverse proxy

 private:
  std::istringstream body_;
  Poco::Net::SocketAddress client_;
  Poco::Net::SocketAddress server_;
  const Poco::Net::HTTPServerParams& params_;
  Poco::Net::HTTPServerResponse& response_;
};

}  // namespace evalbridge
