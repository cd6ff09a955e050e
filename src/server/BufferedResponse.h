#pragma once
// An answer collected in memory through Poco's HTTPServerResponse interface, then written in one
// piece: the server decides on keep-alive after the handler is done, and fills in
// Content-Length so the next request on the connection is framed correctly.
#include <sstream>
#include <string>

#include <Poco/Net/HTTPServerResponse.h>

namespace evalbridge {

class BufferedResponse : public Poco::Net::HTTPServerResponse {
 public:
  // The server answered "100 Continue" already, when the client asked for it and its body fits.
  void sendContinue() override {}
  std::ostream& send() override;
  void sendFile(const std::string& path, const std::string& mediaType) override;  // not used: throws
  void sendBuffer(const void* buffer, std::size_t length) override;
  void redirect(const std::string& uri, HTTPStatus status = HTTP_FOUND) override;
  void requireAuthentication(const std::string& realm) override;
  bool sent() const override { return sent_; }

  // Status line, header fields and (unless `headOnly`, for HEAD) the body, with Content-Length set.
  std::string serialize(bool headOnly);

 private:
  std::ostringstream body_;
  bool sent_ = false;
};

}  // namespace evalbridge
