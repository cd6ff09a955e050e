// The ServiceNow client's auth (basic, OAuth client_credentials / password grants, renewal before
// expiry and once on 401) against a scripted real HTTP server, and the sink's retry loop.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include "common/Errors.h"
#include "http/ShutdownToken.h"
#include "http/RetryLoop.h"
#include "servicenow/ServiceNowClient.h"
#include "servicenow/ServiceNowOAuth.h"

using namespace evalbridge;
using std::chrono::milliseconds;

namespace {

struct Seen {
  std::string method;
  std::string path;
  std::string body;
  std::string authorization;
};

// A fake ServiceNow: /oauth_token.do issues numbered tokens with `expiresIn`; table calls accept
// the newest token (or basic auth) unless `rejectTableCalls` of them are still to be refused.
class FakeServiceNow {
 public:
  int expiresIn = 1800;
  std::atomic<int> rejectTableCalls{0};
  bool refuseTokens = false;
  // As ServiceNow's docs describe: a token request within the current token's lifetime gets that
  // token back, here with what is left of its lifetime as expires_in (the docs do not say which).
  bool currentTokenWhileValid = false;

  FakeServiceNow() {
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
    socket.listen(16);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, new Poco::Net::HTTPServerParams);
    server_->start();
  }
  ~FakeServiceNow() { server_->stopAll(true); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }
  int tokenRequests() {
    int n = 0;
    for (const auto& s : seen()) n += s.path == "/oauth_token.do";
    return n;
  }

 private:
  void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    Seen seen{request.getMethod(), request.getURI().substr(0, request.getURI().find('?')), "",
              request.get("Authorization", "")};
    Poco::StreamCopier::copyToString(request.stream(), seen.body);
    std::string body;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_.push_back(seen);
      if (seen.path == "/oauth_token.do") {
        if (refuseTokens) {
          response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED);
          body = R"({"error":"access_denied","error_description":"invalid client"})";
        } else {
          const auto now = std::chrono::steady_clock::now();
          int lifetime = expiresIn;
          if (currentTokenWhileValid && issued_ > 0 && now < expiresAt_) {
            lifetime = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(expiresAt_ - now).count());
          } else {
            ++issued_;
            expiresAt_ = now + std::chrono::seconds(expiresIn);
          }
          body = R"({"access_token":"token-)" + std::to_string(issued_) + R"(","token_type":"Bearer","expires_in":)" +
                 std::to_string(lifetime) + "}";
        }
      } else if (rejectTableCalls > 0 ||
                 (seen.authorization.rfind("Bearer ", 0) == 0 && seen.authorization != "Bearer token-" + std::to_string(issued_))) {
        if (rejectTableCalls > 0) --rejectTableCalls;
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED);
        body = R"({"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"})";
      } else {
        body = R"({"result":[]})";
      }
    }
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
  }

  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(FakeServiceNow& owner) : owner_(owner) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
      owner_.handle(request, response);
    }

   private:
    FakeServiceNow& owner_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(FakeServiceNow& owner) : owner_(owner) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
      return new Handler(owner_);
    }

   private:
    FakeServiceNow& owner_;
  };

  std::mutex mutex_;
  std::vector<Seen> seen_;
  int issued_ = 0;
  std::chrono::steady_clock::time_point expiresAt_{};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

ServiceNowSettings oauthSettings(const FakeServiceNow& fake, const std::string& grant) {
  ServiceNowSettings settings;
  settings.instanceUrl = fake.url();
  settings.auth.type = "oauth";
  settings.auth.grant = grant;
  settings.auth.clientId = "sn-client";
  settings.auth.clientSecret = "s3cr3t-client";
  if (grant == "password") {
    settings.auth.username = "svc";
    settings.auth.password = "pa55word";
  }
  settings.retry = RetrySettings{3, 10, 50, 10};
  return settings;
}

}  // namespace

TEST_CASE("OAuth client_credentials: one token, form body to oauth_token.do, sent as Bearer") {
  FakeServiceNow fake;
  ShutdownToken shutdown;
  ServiceNowClient client(oauthSettings(fake, "client_credentials"), shutdown);
  for (int i = 0; i < 3; ++i) CHECK(client.findByCorrelation("evalbridge:o:e" + std::to_string(i)).status == 200);
  auto seen = fake.seen();
  REQUIRE(seen.size() == 4);
  CHECK(seen[0].path == "/oauth_token.do");
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body == "grant_type=client_credentials&client_id=sn-client&client_secret=s3cr3t-client");
  for (size_t i = 1; i < seen.size(); ++i) CHECK(seen[i].authorization == "Bearer token-1");
}

TEST_CASE("OAuth password grant sends the user's credentials with the client's") {
  FakeServiceNow fake;
  ShutdownToken shutdown;
  ServiceNowClient client(oauthSettings(fake, "password"), shutdown);
  CHECK(client.findByCorrelation("evalbridge:o:e").status == 200);
  CHECK(fake.seen()[0].body ==
        "grant_type=password&client_id=sn-client&client_secret=s3cr3t-client&username=svc&password=pa55word");
}

TEST_CASE("an OAuth token is renewed before it expires") {
  FakeServiceNow fake;
  fake.expiresIn = 31;  // renewal margin is max(30 s, a tenth): renewed after 1 s
  CHECK(renewalMargin(std::chrono::seconds(31)) == std::chrono::seconds(30));
  CHECK(renewalMargin(std::chrono::seconds(1800)) == std::chrono::seconds(180));
  ShutdownToken shutdown;
  ServiceNowClient client(oauthSettings(fake, "client_credentials"), shutdown);
  client.findByCorrelation("evalbridge:o:a");
  client.findByCorrelation("evalbridge:o:b");
  CHECK(fake.tokenRequests() == 1);
  std::this_thread::sleep_for(milliseconds(1100));
  client.findByCorrelation("evalbridge:o:c");
  CHECK(fake.tokenRequests() == 2);
  CHECK(fake.seen().back().authorization == "Bearer token-2");
}

// Kills: an early renewal that gets the same token back scheduling the next one at once (each
// request then asks for a token until it expires), when expires_in is what is left of it.
TEST_CASE("an early renewal that gets the token it holds back keeps it until it ends, without asking again") {
  FakeServiceNow fake;
  fake.expiresIn = 32;  // renewed early after 2 s (a margin of 30 s)
  fake.currentTokenWhileValid = true;
  ShutdownToken shutdown;
  ServiceNowClient client(oauthSettings(fake, "client_credentials"), shutdown);
  client.findByCorrelation("evalbridge:o:a");
  std::this_thread::sleep_for(milliseconds(2100));
  client.findByCorrelation("evalbridge:o:b");  // renewed early: token-1 again, about 29 s left
  CHECK(fake.tokenRequests() == 2);
  for (int i = 0; i < 5; ++i) client.findByCorrelation("evalbridge:o:c");
  CHECK(fake.tokenRequests() == 2);
  CHECK(fake.seen().back().authorization == "Bearer token-1");
}

TEST_CASE("a 401 renews the OAuth token once and resends, and a second 401 is returned") {
  FakeServiceNow fake;
  ShutdownToken shutdown;
  ServiceNowClient client(oauthSettings(fake, "client_credentials"), shutdown);
  client.findByCorrelation("evalbridge:o:a");
  fake.rejectTableCalls = 1;
  CHECK(client.findByCorrelation("evalbridge:o:b").status == 200);
  CHECK(fake.tokenRequests() == 2);
  fake.rejectTableCalls = 2;
  HttpResponse response = client.findByCorrelation("evalbridge:o:c");
  CHECK(response.status == 401);
  CHECK(describeServiceNowError(response) == "HTTP 401 Unauthorized: User Not Authenticated: Required to provide Auth information");
  CHECK(fake.tokenRequests() == 3);
}

TEST_CASE("refused OAuth credentials are a permanent error that never shows the secret") {
  FakeServiceNow fake;
  fake.refuseTokens = true;
  ShutdownToken shutdown;
  ServiceNowClient client(oauthSettings(fake, "password"), shutdown);
  try {
    client.findByCorrelation("evalbridge:o:a");
    FAIL("expected PermanentError");
  } catch (const PermanentError& e) {
    CHECK(e.message().find("HTTP 401 access_denied: invalid client") != std::string::npos);
    CHECK(e.message().find("s3cr3t") == std::string::npos);
    CHECK(e.message().find("pa55word") == std::string::npos);
  }
  CHECK(fake.tokenRequests() == 1);  // a refusal is not retried
}

TEST_CASE("basic auth is sent when servicenow.auth.type is basic") {
  FakeServiceNow fake;
  ShutdownToken shutdown;
  ServiceNowSettings settings;
  settings.instanceUrl = fake.url();
  settings.auth.username = "svc";
  settings.auth.password = "pw";
  ServiceNowClient client(settings, shutdown);
  client.findByCorrelation("evalbridge:o:a");
  CHECK(fake.seen().at(0).authorization == "Basic c3ZjOnB3");
}

TEST_CASE("correlation ids that would change the encoded query are refused before any request") {
  CHECK_THROWS_AS(validateQueryValue("", "correlation_id"), PermanentError);
  CHECK_THROWS_AS(validateQueryValue("evalbridge:a^ORactive=true", "correlation_id"), PermanentError);
  CHECK_THROWS_AS(validateQueryValue("evalbridge:a\nb", "correlation_id"), PermanentError);
  CHECK_NOTHROW(validateQueryValue("evalbridge:8c7d:0e1f", "correlation_id"));
}

TEST_CASE("the one retry loop: Retry-After is a floor, attempts are bounded, shutdown interrupts") {
  ShutdownToken shutdown;
  SECTION("Retry-After is waited out even when the backoff is shorter") {
    int calls = 0;
    auto started = std::chrono::steady_clock::now();
    auto end = runAttempts(RetrySettings{5, 1, 2, 60}, shutdown, [&](int attempt) {
      ++calls;
      return attempt == 1 ? AttemptVerdict::retry("HTTP 429", milliseconds(300)) : AttemptVerdict::done();
    });
    CHECK(end.end == LoopEnd::Settled);
    CHECK(calls == 2);
    CHECK(std::chrono::steady_clock::now() - started >= milliseconds(300));
  }
  SECTION("maxAttempts bounds the attempts; every failure is reported; TransientError counts as one") {
    std::vector<std::string> failures;
    AttemptHooks hooks;
    hooks.onFailure = [&](int, const std::string& failure) { failures.push_back(failure); };
    auto end = runAttempts(RetrySettings{3, 1, 2, 60}, shutdown, [&](int attempt) -> AttemptVerdict {
      if (attempt == 2) throw TransientError("connection reset");
      return AttemptVerdict::retry("HTTP 503");
    }, hooks);
    CHECK(end.end == LoopEnd::OutOfBudget);
    CHECK(failures == std::vector<std::string>{"HTTP 503", "connection reset", "HTTP 503"});
  }
  SECTION("a Retry-After beyond maxElapsedS ends the loop at once") {
    auto started = std::chrono::steady_clock::now();
    auto end = runAttempts(RetrySettings{5, 1, 2, 1}, shutdown,
                           [&](int) { return AttemptVerdict::retry("HTTP 429", milliseconds(5000)); });
    CHECK(end.end == LoopEnd::OutOfBudget);
    CHECK(std::chrono::steady_clock::now() - started < milliseconds(500));
  }
  SECTION("shutdown interrupts the wait") {
    std::thread stopper([&] {
      std::this_thread::sleep_for(milliseconds(100));
      shutdown.requestStop();
    });
    auto started = std::chrono::steady_clock::now();
    auto end = runAttempts(RetrySettings{5, 10000, 10000, 60}, shutdown,
                           [&](int) { return AttemptVerdict::retry("HTTP 503", milliseconds(10000)); });
    stopper.join();
    CHECK(end.end == LoopEnd::ShuttingDown);
    CHECK(std::chrono::steady_clock::now() - started < milliseconds(2000));
  }
}

TEST_CASE("journal text keeps [code] tags from becoming HTML") {
  CHECK(journalSafe("PCI read-back [code]<img src=x onerror=alert(1)>[/code] ok") ==
        "PCI read-back (code)<img src=x onerror=alert(1)>(/code) ok");
  CHECK(journalSafe("[CODE]x[/Code]") == "(code)x(/code)");
  CHECK(journalSafe("no tags [codex]") == "no tags [codex]");
}
