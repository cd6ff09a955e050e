#include "servicenow/ServiceNowOAuth.h"

#include <algorithm>
#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTMLForm.h>

#include "common/Errors.h"
#include "http/RetryLoop.h"
#include "http/RetryPolicy.h"
#include "http/ShutdownToken.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.servicenow"); }


// ServiceNow's token endpoint answers errors as {"error", "error_description"}: safe to show.
std::string describeTokenError(const HttpResponse& response) {
  std::string text = "HTTP " + std::to_string(response.status);
  try {
    auto body = Poco::JSON::Parser().parse(response.body).extract<Poco::JSON::Object::Ptr>();
    std::string error = body->optValue<std::string>("error", "");
    std::string description = body->optValue<std::string>("error_description", "");
    if (!error.empty()) text += " " + error;
    if (!description.empty()) text += ": " + description;
  } catch (const std::exception&) {
    // not the usual JSON error: the status says enough (the body might echo the form)
  }
  return text;
}

}  // namespace

std::chrono::seconds renewalMargin(std::chrono::seconds lifetime) {
  return std::clamp(lifetime / 10, std::chrono::seconds(30), std::chrono::seconds(300));
}

ServiceNowOAuth::ServiceNowOAuth(const ServiceNowSettings& settings, ShutdownToken& shutdown, Sender post)
    : settings_(settings), shutdown_(shutdown), post_(std::move(post)) {}

std::string ServiceNowOAuth::accessToken() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (token_.empty() || std::chrono::steady_clock::now() >= renewAt_) {
    // Refused a moment ago: the same secret would be refused again (and every request waiting
    // here would ask), and a password grant's failures can lock the ServiceNow account out.
    if (const auto why = refusal_.holding()) throw AccessRefused(*why);
    try {
      fetch();
    } catch (const AccessRefused& e) {
      refusal_.refused(e.message());
      throw;
    }
  }
  return token_;
}

void ServiceNowOAuth::invalidate(const std::string& token) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (token == token_) token_.clear();
}

int ServiceNowOAuth::fetches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fetches_;
}

std::string ServiceNowOAuth::formBody() const {
  const ServiceNowAuth& auth = settings_.auth;
  Poco::Net::HTMLForm form;  // application/x-www-form-urlencoded
  form.set("grant_type", auth.grant);
  form.set("client_id", auth.clientId);
  form.set("client_secret", auth.clientSecret);
  if (auth.grant == "password") {
    form.set("username", auth.username);
    form.set("password", auth.password);
  }
  std::ostringstream body;
  form.write(body);
  return body.str();
}

void ServiceNowOAuth::fetch() {
  HttpRequest request;
  request.method = "POST";
  request.url = settings_.auth.tokenUrl;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  request.body = formBody();
  const std::string where = "ServiceNow OAuth token request (" + settings_.auth.grant + " grant) to " +
                            settings_.auth.tokenUrl;

  // A token request changes nothing on the server, so every transient failure may be retried.
  auto attempt = [&](int) {
    HttpResponse response = post_(request);
    if (isTransientStatus(response.status))
      return AttemptVerdict::retry(describeTokenError(response), parseRetryAfter(response.header("Retry-After")));
    if (response.status != 200) {
      // The client credentials grant is off on a standard instance (ServiceNow's docs): said here,
      // so the doctor's check and a sync cycle's error both carry it.
      throw AccessRefused(where + " was refused: " + describeTokenError(response) +
                          " (check servicenow.auth clientId, clientSecret" +
                          (settings_.auth.grant == "password" ? std::string(", username, password") : std::string()) +
                          " and the OAuth application in ServiceNow" +
                          (settings_.auth.grant == "client_credentials"
                               ? std::string("; this grant also needs the instance's system property "
                                             "glide.oauth.inbound.client.credential.grant_type.enabled set to true, "
                                             "and an OAuth Application User on the OAuth application")
                               : std::string()) +
                          ")");
    }
    Poco::JSON::Object::Ptr body;
    try {
      body = Poco::JSON::Parser().parse(response.body).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
      throw TransientError(where + ": the answer is not a JSON object");
    }
    std::string token = body->optValue<std::string>("access_token", "");
    if (token.empty()) throw AccessRefused(where + ": the answer has no access_token");
    const auto lifetime = std::chrono::seconds(std::max(1, body->optValue<int>("expires_in", 1800)));
    // Within a token's lifetime ServiceNow answers with the token it already issued ("access
    // requests made within the expiration time of the access token always return the current
    // access token"), and its docs do not say whether expires_in is then what is left of it. Were
    // it, renewing that token early again would ask on every request near its end. So the token
    // held is kept until the lifetime reported ends; a 401 renews it, as always.
    const bool held = token == token_;
    token_ = token;
    renewAt_ = std::chrono::steady_clock::now() + lifetime -
               (held ? std::chrono::seconds(0) : std::min(lifetime, renewalMargin(lifetime)));
    ++fetches_;
    logger().information("ServiceNow OAuth token obtained (%s grant), valid %d s", settings_.auth.grant,
                         static_cast<int>(lifetime.count()));
    return AttemptVerdict::done();
  };
  const LoopResult result = runAttempts(settings_.retry, shutdown_, attempt);
  if (result.end == LoopEnd::ShuttingDown) throw TransientError("shutting down during " + where);
  if (result.end == LoopEnd::OutOfBudget) throw TransientError(where + ": " + result.why + ": " + result.failure);
}

}  // namespace evalbridge
