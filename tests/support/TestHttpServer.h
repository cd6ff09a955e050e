#pragma once
// A scripted HTTP(S) server on 127.0.0.1 (port 0) for tests of outbound connections: each request
// is recorded and answered by the test's script. Plus EnvGuard, which restores environment
// variables (the proxy ones, say) when a test ends.
#include <Poco/Event.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace evalbridge {
namespace test {

struct Seen {
  std::string method;
  std::string uri;
  std::string body;
  std::string authorization;
  std::string proxyAuthorization;
};

// The script gets the request number (1-based, over the server's life), the request and response.
using Script = std::function<void(int, Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

class TestServer {
 public:
  explicit TestServer(Script script, Poco::Net::Context::Ptr tls = nullptr) : state_(std::make_shared<State>()) {
    state_->script = std::move(script);
    auto params = new Poco::Net::HTTPServerParams;
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(1000);
    params->setKeepAliveTimeout(Poco::Timespan(10, 0));
    params->setMaxThreads(32);
    if (tls) {
      Poco::Net::SecureServerSocket socket(tls);
      socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
      socket.listen(64);
      server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), socket, params);
    } else {
      Poco::Net::ServerSocket socket;
      socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
      socket.listen(64);
      server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), socket, params);
    }
    server_->start();
  }
  ~TestServer() {
    state_->release.set();
    server_->stopAll(true);
  }

  Poco::UInt16 port() const { return server_->port(); }
  std::string url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return (https_ ? "https://" : "http://") + host + ":" + std::to_string(port()) + path;
  }
  void setHttps() { https_ = true; }
  int connections() const { return server_->totalConnections(); }
  int requests() const { return state_->count.load(); }
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->seen;
  }
  // Handlers that block wait on this; set when the server goes away.
  Poco::Event& release() { return state_->release; }

 private:
  struct State {
    Script script;
    std::atomic<int> count{0};
    std::mutex mutex;
    std::vector<Seen> seen;
    Poco::Event release{Poco::Event::EVENT_MANUALRESET};
  };
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(std::shared_ptr<State> state) : state_(std::move(state)) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
      Seen seen;
      seen.method = request.getMethod();
      seen.uri = request.getURI();
      seen.authorization = request.get("Authorization", "");
      seen.proxyAuthorization = request.get("Proxy-Authorization", "");
      if (request.getMethod() != "CONNECT") Poco::StreamCopier::copyToString(request.stream(), seen.body);
      int number = 0;
      {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->seen.push_back(seen);
        number = ++state_->count;
      }
      state_->script(number, request, response);
    }

   private:
    std::shared_ptr<State> state_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(std::shared_ptr<State> state) : state_(std::move(state)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
      return new Handler(state_);
    }

   private:
    std::shared_ptr<State> state_;
  };

  std::shared_ptr<State> state_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  bool https_ = false;
};

inline void reply(Poco::Net::HTTPServerResponse& response, int status, const std::string& body,
           const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  for (const auto& h : headers) response.set(h.first, h.second);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

// Closes the connection without any answer; RST (linger 0) so the client sees a reset.
inline void dropConnection(Poco::Net::HTTPServerRequest& request) {
  auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request);
  Poco::Net::StreamSocket socket = impl.detachSocket();
  socket.setLinger(true, 0);
  socket.close();
}

// Restores environment variables on scope exit.
class EnvGuard {
 public:
  explicit EnvGuard(std::vector<std::string> names) : names_(std::move(names)) {
    for (const auto& n : names_) {
      const char* v = std::getenv(n.c_str());
      saved_.emplace_back(v != nullptr, v != nullptr ? v : "");
      ::unsetenv(n.c_str());
    }
  }
  ~EnvGuard() {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (saved_[i].first)
        ::setenv(names_[i].c_str(), saved_[i].second.c_str(), 1);
      else
        ::unsetenv(names_[i].c_str());
    }
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::pair<bool, std::string>> saved_;
};

inline const std::vector<std::string> kProxyVars = {"HTTP_PROXY",  "http_proxy", "HTTPS_PROXY",
                                                    "https_proxy", "NO_PROXY",   "no_proxy"};

}  // namespace test
}  // namespace evalbridge
