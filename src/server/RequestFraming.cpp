#include "server/RequestFraming.h"

#include <algorithm>
#include <optional>
#include <sstream>

#include <Poco/Ascii.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>

namespace evalbridge {
namespace {

// Offset just past the blank line that ends the head (CRLF or bare LF line ends), or npos.
std::size_t endOfHead(const std::string& buffer, std::size_t from) {
  std::size_t lineStart = from;
  for (std::size_t newline = buffer.find('\n', from); newline != std::string::npos;
       newline = buffer.find('\n', lineStart)) {
    const std::size_t length = newline - lineStart;
    if (length == 0 || (length == 1 && buffer[lineStart] == '\r')) return newline + 1;
    lineStart = newline + 1;
  }
  return std::string::npos;
}

FramedRequest refused(int status, std::string reason) {
  FramedRequest framed;
  framed.state = FramedRequest::State::Refused;
  framed.status = status;
  framed.reason = std::move(reason);
  return framed;
}

}  // namespace

FramedRequest frameRequest(const std::string& buffer, const FramingLimits& limits) {
  std::size_t start = 0;
  while (start < buffer.size() && (buffer[start] == '\r' || buffer[start] == '\n')) ++start;
  const std::size_t headEnd = endOfHead(buffer, start);
  if (headEnd == std::string::npos) {
    if (buffer.size() - start > limits.maxHeaderBytes) return refused(431, "request head too large");
    return {};
  }
  if (headEnd - start > limits.maxHeaderBytes) return refused(431, "request head too large");

  FramedRequest framed;
  framed.head = buffer.substr(start, headEnd - start);
  Poco::Net::HTTPRequest request;
  try {
    std::istringstream in(framed.head);
    request.read(in);
    framed.path = Poco::URI(request.getURI()).getPath();
  } catch (const Poco::Exception& e) {
    return refused(400, "malformed request: " + e.message());
  }
  framed.headComplete = true;
  if (request.has("Transfer-Encoding"))
    return refused(411, "Transfer-Encoding is not accepted: send the body with a Content-Length");

  std::optional<Poco::UInt64> declared;
  for (auto field = request.find("Content-Length");
       field != request.end() && Poco::icompare(field->first, "Content-Length") == 0; ++field) {
    const std::string value = Poco::trim(field->second);
    Poco::UInt64 parsed = 0;
    if (value.empty() || !std::all_of(value.begin(), value.end(), Poco::Ascii::isDigit) ||
        !Poco::NumberParser::tryParseUnsigned64(value, parsed))
      return refused(400, "invalid Content-Length");
    if (declared && *declared != parsed) return refused(400, "conflicting Content-Length fields");
    declared = parsed;
  }
  if (declared.value_or(0) > limits.maxBodyBytes) {
    framed.state = FramedRequest::State::Complete;
    framed.bodySkipped = true;
    framed.consumed = headEnd;
    return framed;
  }
  const auto length = static_cast<std::size_t>(declared.value_or(0));
  if (buffer.size() - headEnd < length) {
    framed.expectsContinue = Poco::icompare(request.get("Expect", ""), "100-continue") == 0;
    return framed;
  }
  framed.state = FramedRequest::State::Complete;
  framed.body = buffer.substr(headEnd, length);
  framed.consumed = headEnd + length;
  return framed;
}

}  // namespace evalbridge
