#pragma once
// The limits that keep `run`'s HTTP server answering when clients are slow or hostile (no login
// is needed to open a connection). Defaults suit a bridge behind a reverse proxy that talks to
// it a few times a second; tests shorten them.
#include <chrono>
#include <cstddef>

namespace evalbridge {

struct ServerLimits {
  // A whole request (head and body) must arrive within this, counted from the connection's
  // accept or, on a kept-alive connection, from the request's first byte: a client sending one
  // byte every few seconds is cut off here, however slowly it trickles.
  std::chrono::milliseconds requestTimeout{5000};
  // A kept-alive connection with no new request for this long is closed. A reverse proxy should
  // keep its own upstream idle timeout below this.
  std::chrono::milliseconds keepAliveTimeout{5000};
  // Writing one answer may take this long (answers are small: they normally fit the socket buffer).
  std::chrono::milliseconds sendTimeout{5000};
  // After answering with "Connection: close", unread bytes are discarded for up to this long, so
  // closing does not reset the connection before the client has read the answer.
  std::chrono::milliseconds lingerTimeout{2000};
  // Open connections over this are answered 503 and closed at once (they never reach a worker).
  std::size_t maxConnections = 512;
  // A request head (request line and header fields) larger than this is refused (431).
  std::size_t maxHeaderBytes = 16 * 1024;
  // Threads that run handlers for complete requests; /healthz and /readyz have their own.
  int workers = 8;
  int probeWorkers = 2;
  // /metrics renders the registry (and so reads the ledger) at most once per this.
  std::chrono::milliseconds metricsCacheTtl{5000};
  // At most one warning per this for webhook requests refused before their signature was checked.
  std::chrono::milliseconds refusedWarningInterval{10000};
};

}  // namespace evalbridge
