#include "server/Connection.h"

#include <Poco/Exception.h>

namespace evalbridge {

Connection::Connection(const Poco::Net::StreamSocket& accepted, std::atomic<std::size_t>& open)
    : socket(accepted), open_(open) {
  ++open_;
  try {
    peer = socket.peerAddress();
    local = socket.address();
  } catch (const Poco::Exception&) {
    // Already reset by the client: the first read fails and closes it.
  }
}

Connection::~Connection() {
  try {
    socket.close();
  } catch (const Poco::Exception&) {
  }
  --open_;
}

}  // namespace evalbridge
