#pragma once
// Where one HTTP/1.x request ends in the bytes read from a connection, so the server can wait
// for a whole request (with a deadline) before any worker thread sees it, and so every request's
// body is consumed whether or not its handler reads it: a body can never be taken for the next
// request on a kept-alive connection. The head is parsed by Poco (HTTPRequest::read); this only
// finds the blank line that ends it and applies Content-Length.
#include <cstddef>
#include <string>

namespace evalbridge {

struct FramingLimits {
  std::size_t maxHeaderBytes = 16 * 1024;
  std::size_t maxBodyBytes = 64 * 1024;
};

struct FramedRequest {
  enum class State {
    Incomplete,  // read more (headComplete says whether the head is in already)
    Complete,    // head and body are in: consumed bytes of the buffer are this request
    Refused,     // answer `status` (`reason`) and close the connection
  };
  State state = State::Incomplete;
  bool headComplete = false;
  bool expectsContinue = false;  // the client waits for "100 Continue" before sending its body
  std::string head;              // request line and header fields, up to the blank line
  std::string body;
  std::size_t consumed = 0;
  // The declared body is larger than the limit: it is not read (the handler sees only the
  // Content-Length), and the connection is closed after the answer.
  bool bodySkipped = false;
  std::string path;  // the request target's path, for choosing a worker lane
  int status = 0;
  std::string reason;
};

// Frames the first request in `buffer`. Leading empty lines are skipped (RFC 9112 2.2). A
// request with Transfer-Encoding is refused (411: send Content-Length), and so is one with
// conflicting Content-Length fields (400), since either could smuggle a second request past a
// proxy that frames it differently.
FramedRequest frameRequest(const std::string& buffer, const FramingLimits& limits);

}  // namespace evalbridge
