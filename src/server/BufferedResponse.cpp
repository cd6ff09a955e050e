#include "server/BufferedResponse.h"

#include <Poco/Exception.h>

namespace evalbridge {

std::ostream& BufferedResponse::send() {
  sent_ = true;
  return body_;
}

void BufferedResponse::sendFile(const std::string&, const std::string&) {
  throw Poco::NotImplementedException("BufferedResponse::sendFile");
}

void BufferedResponse::sendBuffer(const void* buffer, std::size_t length) {
  send().write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
}

void BufferedResponse::redirect(const std::string& uri, HTTPStatus status) {
  setStatusAndReason(status);
  set("Location", uri);
  send();
}

void BufferedResponse::requireAuthentication(const std::string& realm) {
  setStatusAndReason(HTTP_UNAUTHORIZED);
  set("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
  send();
}

std::string BufferedResponse::serialize(bool headOnly) {
  const std::string body = body_.str();
  setChunkedTransferEncoding(false);
  setContentLength64(static_cast<Poco::Int64>(body.size()));
  std::ostringstream out;
  write(out);
  if (!headOnly) out << body;
  return out.str();
}

}  // namespace evalbridge
