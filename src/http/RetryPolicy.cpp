#include "http/RetryPolicy.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <random>
#include <regex>

#include "common/Errors.h"
#include "http/ShutdownToken.h"

namespace evalbridge {

namespace {

// A Retry-After beyond a day is treated as a day: the elapsed-time bound gives up long before.
constexpr long long kMaxRetryAfterMs = 24LL * 3600 * 1000;

std::uint32_t nextRandom(unsigned& state) {
  // xorshift32; state is never 0.
  std::uint32_t x = state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  state = x;
  return x;
}

}  // namespace

bool isTransientStatus(int status) {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

std::optional<std::chrono::milliseconds> parseRetryAfter(const std::string& rawValue,
                                                         std::chrono::system_clock::time_point now) {
  const std::string value = Poco::trim(rawValue);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    long long seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds * 1000 > kMaxRetryAfterMs) return std::chrono::milliseconds(kMaxRetryAfterMs);
    }
    return std::chrono::milliseconds(seconds * 1000);
  }
  // HTTP-date (RFC 9110, 5.6.7): IMF-fixdate, or the obsolete RFC 850 and asctime forms. The
  // shape is checked first: Poco's parser alone is lenient enough to misread one form as another.
  static const std::regex imfFixdate(R"([A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT)");
  static const std::regex rfc850(R"([A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT)");
  static const std::regex asctime(R"([A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})");
  const std::string* format = nullptr;
  if (std::regex_match(value, imfFixdate))
    format = &Poco::DateTimeFormat::HTTP_FORMAT;
  else if (std::regex_match(value, rfc850))
    format = &Poco::DateTimeFormat::RFC850_FORMAT;
  else if (std::regex_match(value, asctime))
    format = &Poco::DateTimeFormat::ASCTIME_FORMAT;
  else
    return std::nullopt;
  Poco::DateTime parsed;
  int tzd = 0;
  if (!Poco::DateTimeParser::tryParse(*format, value, parsed, tzd)) return std::nullopt;
  parsed.makeUTC(tzd);
  const auto when =
      std::chrono::system_clock::time_point(std::chrono::microseconds(parsed.timestamp().epochMicroseconds()));
  auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
  if (delta.count() < 0) delta = std::chrono::milliseconds(0);
  if (delta.count() > kMaxRetryAfterMs) delta = std::chrono::milliseconds(kMaxRetryAfterMs);
  return delta;
}

Backoff::Backoff(RetrySettings settings, unsigned seed) : settings_(settings), state_(seed) {
  if (state_ == 0) {
    std::random_device device;
    state_ = device();
  }
  if (state_ == 0) state_ = 0x9E3779B9u;
}

std::chrono::milliseconds Backoff::delay(int attempt, std::optional<std::chrono::milliseconds> retryAfter) {
  if (attempt < 1) attempt = 1;
  const long long maxMs = std::max(0, settings_.maxMs);
  long long cap = std::max(0, settings_.initialMs);
  for (int i = 1; i < attempt && cap < maxMs; ++i) cap *= 2;
  cap = std::min(cap, maxMs);
  const std::uint64_t random = (static_cast<std::uint64_t>(nextRandom(state_)) << 32) | nextRandom(state_);
  long long jittered = cap == 0 ? 0 : static_cast<long long>(random % static_cast<std::uint64_t>(cap + 1));
  if (retryAfter && retryAfter->count() > jittered) jittered = retryAfter->count();
  return std::chrono::milliseconds(jittered);
}

HttpResponse sendWithRetry(HttpClient& client, const HttpRequest& request, Backoff& backoff, ShutdownToken& shutdown,
                           const RetryObserver& observer, const RetryContext& context) {
  const std::string prefix = context.what.empty() ? "" : context.what + ": ";
  using Clock = std::chrono::steady_clock;
  const RetrySettings& settings = backoff.settings();
  const int maxAttempts = std::max(1, settings.maxAttempts);
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::seconds(std::max(0, settings.maxElapsedS));

  for (int attempt = 1;; ++attempt) {
    std::string reason;
    std::optional<std::chrono::milliseconds> retryAfter;
    try {
      HttpResponse response = client.send(request);
      if (!isTransientStatus(response.status)) return response;
      reason = "HTTP " + std::to_string(response.status);
      if (!response.reason.empty()) reason += " " + response.reason;
      for (const std::string& name : context.diagnosticHeaders) {
        const std::string value = response.header(name);
        if (!value.empty()) reason += " [" + name + " " + value + "]";
      }
      retryAfter = parseRetryAfter(response.header("Retry-After"));
      if (retryAfter) reason += " (Retry-After " + std::to_string(retryAfter->count() / 1000) + " s)";
    } catch (const TransientError& error) {
      reason = error.message();
    }

    if (attempt >= maxAttempts)
      throw TransientError(prefix + "gave up after " + std::to_string(attempt) + " attempt(s): " + reason);

    const auto now = Clock::now();
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (remaining.count() <= 0 || (retryAfter && *retryAfter > remaining)) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - started).count();
      std::string why = "gave up after " + std::to_string(attempt) + " attempt(s) in " + std::to_string(elapsed) +
                        " s (limit " + std::to_string(settings.maxElapsedS) + " s)";
      if (retryAfter && *retryAfter > remaining)
        why += "; server asked to wait " + std::to_string(retryAfter->count() / 1000) + " s";
      throw TransientError(prefix + why + ": " + reason);
    }
    auto wait = backoff.delay(attempt, retryAfter);
    if (wait > remaining) wait = remaining;

    if (observer) {
      RetryEvent event;
      event.attempt = attempt;
      event.reason = reason;
      event.delay = wait;
      observer(event);
    }
    if (!shutdown.sleepFor(wait)) throw TransientError(prefix + "shutting down");
  }
}

}  // namespace evalbridge
