#include "genesys/ChannelSocket.h"

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <vector>

#include "common/Errors.h"
#include "http/TlsClientContext.h"
#include "http/UrlPolicy.h"

namespace evalbridge {
namespace {

using Poco::Net::WebSocket;

Poco::Timespan millis(long count) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(count) * 1000);
}

// A close frame's payload: a 2-byte status code, then a UTF-8 reason (RFC 6455 5.5.1).
std::string describeClose(const Poco::Buffer<char>& payload, int length) {
  if (length < 2) return "close frame without a status";
  const auto* bytes = reinterpret_cast<const unsigned char*>(payload.begin());
  const int code = (bytes[0] << 8) | bytes[1];
  std::string reason(payload.begin() + 2, static_cast<std::size_t>(length - 2));
  if (reason.size() > 120) reason = reason.substr(0, 120) + "...";
  for (char& c : reason)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return "close frame " + std::to_string(code) + (reason.empty() ? "" : " (" + reason + ")");
}

}  // namespace

std::string loggableSocketUrl(const std::string& connectUri) {
  try {
    const Poco::URI uri(connectUri);
    std::string out = uri.getScheme() + "://" + uri.getHost();
    if (uri.getSpecifiedPort() != 0) out += ":" + std::to_string(uri.getSpecifiedPort());
    // The path holds the channel id, which is the channel's credential: long segments are cut.
    std::vector<std::string> segments;
    uri.getPathSegments(segments);
    for (const auto& segment : segments) out += "/" + (segment.size() <= 16 ? segment : segment.substr(0, 16) + "...");
    return out;
  } catch (const Poco::Exception&) {
    return "(unreadable connectUri)";
  }
}

ChannelSocket::ChannelSocket(const std::string& connectUri, const Options& options)
    : where_(loggableSocketUrl(connectUri)), options_(options) {
  Poco::URI uri;
  try {
    uri = Poco::URI(connectUri);
  } catch (const Poco::Exception&) {
    throw PermanentError("notification channel connectUri is not a URL");
  }
  const std::string scheme = Poco::toLower(uri.getScheme());
  if (scheme != "ws" && scheme != "wss") {
    throw PermanentError("notification channel connectUri " + where_ + " is not a ws:// or wss:// URL");
  }
  const bool tls = scheme == "wss";
  // The same rule as every http(s) URL: plain text only to this machine.
  Poco::URI asHttp(uri);
  asHttp.setScheme(tls ? "https" : "http");
  requireSecureOrLoopback(asHttp.toString(), "notification channel connectUri " + where_);

  const Poco::UInt16 port = uri.getSpecifiedPort() != 0 ? uri.getSpecifiedPort() : (tls ? 443 : 80);
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (tls) {
    session =
        std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), port, sharedTlsClientContext(options_.caFile));
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), port);
  }
  // Through the proxy as the org's requests go (wss with CONNECT, TLS end to end), or explicitly
  // direct: never a process-wide proxy set by someone else.
  options_.proxies.apply(*session, scheme, uri.getHost());
  const std::string via = options_.proxies.via(scheme, uri.getHost());
  const Poco::Timespan connectTimeout = millis(options_.connectTimeoutMs);
  session->setTimeout(connectTimeout, connectTimeout, connectTimeout);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, uri.getPathAndQuery(),
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::HTTPResponse response;
  try {
    socket_ = std::make_unique<WebSocket>(*session, request, response);
  } catch (const Poco::Net::WebSocketException& e) {
    const int status = static_cast<int>(response.getStatus());
    throw TransientError("WebSocket handshake with " + where_ + via + " failed" +
                         (status != 200 && status != 101 ? " with HTTP " + std::to_string(status) : "") + ": " +
                         e.message());
  } catch (const Poco::Exception& e) {
    // Poco's text names the class and the OS/TLS reason, never the request target.
    throw TransientError("WebSocket connection to " + where_ + via + " failed: " + e.displayText());
  }
  socket_->setMaxPayloadSize(static_cast<int>(options_.maxMessageBytes));
  socket_->setReceiveTimeout(millis(options_.frameTimeoutMs));
  socket_->setSendTimeout(millis(options_.frameTimeoutMs));
}

ChannelSocket::~ChannelSocket() {
  close();
}

// Bytes the WebSocket or TLS layer already holds are invisible to poll(): look at them first.
bool ChannelSocket::readable(std::chrono::milliseconds wait) {
  if (socket_->available() > 0) return true;
  return socket_->poll(millis(static_cast<long>(wait.count())),
                       Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR);
}

ChannelSocket::Message ChannelSocket::receive(std::chrono::milliseconds wait) {
  Message message;
  if (closed_) {
    message.kind = Message::Kind::Closed;
    message.detail = "the socket was closed";
    return message;
  }
  auto ended = [&](std::string why, bool oversized = false) {
    closed_ = true;
    try {
      socket_->close();
    } catch (const Poco::Exception&) {
    }
    Message out;
    out.kind = Message::Kind::Closed;
    out.detail = std::move(why);
    out.oversized = oversized;
    return out;
  };
  try {
    if (!readable(wait)) return message;  // Kind::None
    // A message may come in fragments (RFC 6455 5.4): they are joined up to maxMessageBytes, and
    // the rest of a longer one is read and dropped so the stream stays in step.
    bool inMessage = false;
    std::string skipReason;
    std::string text;
    Poco::Buffer<char> buffer(0);
    while (true) {
      int flags = 0;
      buffer.resize(0);
      const int length = socket_->receiveFrame(buffer, flags);
      if (length == 0 && flags == 0) return ended("the server closed the connection without a close frame");
      const int opcode = flags & WebSocket::FRAME_OP_BITMASK;
      const bool fin = (flags & WebSocket::FRAME_FLAG_FIN) != 0;
      if (opcode == WebSocket::FRAME_OP_CLOSE) {
        const std::string why = describeClose(buffer, length);
        try {
          socket_->shutdown();  // answer the close (1000), as RFC 6455 asks
        } catch (const Poco::Exception&) {
        }
        return ended(why);
      }
      if (opcode == WebSocket::FRAME_OP_PING || opcode == WebSocket::FRAME_OP_PONG) {
        if (opcode == WebSocket::FRAME_OP_PING)
          socket_->sendFrame(buffer.begin(), length, WebSocket::FRAME_FLAG_FIN | WebSocket::FRAME_OP_PONG);
        if (!inMessage) {
          message.kind = Message::Kind::Control;
          return message;
        }
      } else if (opcode == WebSocket::FRAME_OP_TEXT || opcode == WebSocket::FRAME_OP_BINARY) {
        if (inMessage) return ended("protocol error: a new message began inside a fragmented one");
        inMessage = true;
        if (opcode == WebSocket::FRAME_OP_BINARY) skipReason = "a binary message (the channel sends JSON text)";
      } else if (opcode == WebSocket::FRAME_OP_CONT) {
        if (!inMessage) return ended("protocol error: a continuation frame outside a message");
      } else {
        return ended("protocol error: unknown opcode " + std::to_string(opcode));
      }
      if (opcode != WebSocket::FRAME_OP_PING && opcode != WebSocket::FRAME_OP_PONG) {
        if (skipReason.empty()) {
          if (text.size() + static_cast<std::size_t>(length) > options_.maxMessageBytes) {
            skipReason = "a message of more than " + std::to_string(options_.maxMessageBytes) + " bytes";
            std::string().swap(text);
          } else {
            text.append(buffer.begin(), static_cast<std::size_t>(length));
          }
        }
        if (fin) {
          message.kind = skipReason.empty() ? Message::Kind::Text : Message::Kind::Skipped;
          message.text = std::move(text);
          message.detail = skipReason;
          return message;
        }
      }
      if (!readable(std::chrono::milliseconds(options_.frameTimeoutMs)))
        return ended("a fragmented message stopped arriving for " + std::to_string(options_.frameTimeoutMs) + " ms");
    }
  } catch (const Poco::Net::WebSocketException& e) {
    const bool oversized = e.code() == WebSocket::WS_ERR_PAYLOAD_TOO_BIG;
    return ended(oversized ? "a frame of more than " + std::to_string(options_.maxMessageBytes) +
                                 " bytes (the socket cannot skip it)"
                           : "WebSocket error: " + e.message(),
                 oversized);
  } catch (const Poco::TimeoutException&) {
    return ended("a frame stopped arriving for " + std::to_string(options_.frameTimeoutMs) + " ms");
  } catch (const Poco::Exception& e) {
    return ended(e.displayText());
  }
}

void ChannelSocket::sendText(const std::string& text) {
  if (closed_) throw TransientError("WebSocket " + where_ + " is closed");
  try {
    socket_->sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
  } catch (const Poco::Exception& e) {
    throw TransientError("WebSocket " + where_ + ": sending failed: " + e.displayText());
  }
}

void ChannelSocket::close() noexcept {
  if (closed_ || !socket_) return;
  closed_ = true;
  try {
    socket_->setSendTimeout(millis(500));  // stop() must stay prompt even when the peer does not read
    socket_->shutdown(WebSocket::WS_NORMAL_CLOSE, "");
  } catch (...) {
  }
  try {
    socket_->close();
  } catch (...) {
  }
}

}  // namespace evalbridge
