#pragma once
// The WebSocket half of a notification channel: one connection to the channel's connectUri,
// read message by message with a bounded wait so the owning thread can look at its clock and its
// stop flag between messages. wss:// goes through the shared TLS context (certificate and host
// verified, caFile added); ws:// is accepted only for loopback hosts (UrlPolicy), like every
// http:// URL of the bridge. No Authorization header is sent: connectUri is the channel's own
// credential, so it is never logged whole (loggableSocketUrl).
//
// The proxy is the org's HttpClient's (Options::proxies: HTTPS_PROXY with CONNECT for wss,
// NO_PROXY, never for loopback). Not thread-safe: one thread owns a ChannelSocket.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "http/ProxySettings.h"

namespace Poco::Net {
class WebSocket;
}

namespace evalbridge {

class ChannelSocket {
 public:
  struct Options {
    std::string caFile;                         // extra CA bundle (the org's caFile)
    int connectTimeoutMs = 30000;               // TCP connect, TLS and the upgrade handshake
    std::size_t maxMessageBytes = 1024 * 1024;  // a larger message is skipped (or, one frame, ends the socket)
    int frameTimeoutMs = 10000;                 // a frame (or message) once begun must arrive whole within this
    ProxySettings proxies;                      // the org's HttpClient's (OrgClient::proxies); default: direct
  };

  // Connects and completes the upgrade. Throws ConfigError (UrlPolicy) for ws:// to a host that is
  // not loopback, PermanentError for a URL that is not ws(s)://, TransientError when the
  // connection, TLS (certificate, host name) or the handshake fails (the message names the host
  // and the HTTP status, never the query).
  ChannelSocket(const std::string& connectUri, const Options& options);
  ~ChannelSocket();  // close()
  ChannelSocket(const ChannelSocket&) = delete;
  ChannelSocket& operator=(const ChannelSocket&) = delete;

  struct Message {
    enum class Kind {
      None,     // nothing arrived within the wait
      Text,     // a whole text message in `text`
      Control,  // a WebSocket PING (answered with PONG) or PONG: proof of life, nothing to read
      Skipped,  // a message that cannot be used (binary, or larger than maxMessageBytes): `detail` says why
      Closed,   // the socket is over (close frame, EOF, reset, protocol error): `detail` says why
    };
    Kind kind = Kind::None;
    std::string text;
    std::string detail;
    bool oversized = false;  // Closed because one frame exceeded maxMessageBytes (a malformed frame)
  };

  // Waits up to `wait` for the next message. After Closed, the socket must not be used again.
  Message receive(std::chrono::milliseconds wait);

  // Throws TransientError when the text cannot be sent.
  void sendText(const std::string& text);

  // Close frame (1000) and TCP close, best effort and quick (short send timeout); never throws.
  void close() noexcept;

  // loggableSocketUrl(connectUri): what logs may show.
  const std::string& where() const { return where_; }

 private:
  bool readable(std::chrono::milliseconds wait);

  std::string where_;
  Options options_;
  std::unique_ptr<Poco::Net::WebSocket> socket_;
  bool closed_ = false;
};

// connectUri for logs and messages: no user info, query or fragment, and path segments longer
// than 16 characters (the channel id, a credential) cut to their first 16.
std::string loggableSocketUrl(const std::string& connectUri);

}  // namespace evalbridge
