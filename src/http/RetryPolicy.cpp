#include "http/RetryPolicy.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/String.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <limits>
#include <regex>

#include "common/Errors.h"
#include "http/RetryLoop.h"
#include "http/ShutdownToken.h"

namespace evalbridge {

namespace {

// A Retry-After beyond a day is treated as a day: the elapsed-time bound gives up long before.
constexpr long long kMaxRetryAfterMs = 24LL * 3600 * 1000;

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
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error == std::errc::result_out_of_range || seconds > kMaxRetryAfterMs / 1000)
      return std::chrono::milliseconds(kMaxRetryAfterMs);
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

namespace {

// Jitter seeds without a std::random_device per Backoff (one is made per request, and opening the
// device showed in profiles): one random start, then a different seed for every Backoff.
unsigned nextSeed() {
  static std::atomic<unsigned> next{std::random_device{}()};
  return next.fetch_add(0x9E3779B9u) | 1u;
}

}  // namespace

Backoff::Backoff(RetrySettings settings, unsigned seed)
    : settings_(settings), random_(seed != 0 ? seed : nextSeed()) {}

std::chrono::milliseconds Backoff::delay(int attempt, std::optional<std::chrono::milliseconds> retryAfter) {
  if (attempt < 1) attempt = 1;
  const long long maxMs = std::max(0, settings_.maxMs);
  long long cap = std::max(0, settings_.initialMs);
  for (int i = 1; i < attempt && cap < maxMs; ++i) cap *= 2;
  cap = std::min(cap, maxMs);
  long long jittered = std::uniform_int_distribution<long long>(0, cap)(random_);  // full jitter
  if (retryAfter && retryAfter->count() > jittered) jittered = retryAfter->count();
  return std::chrono::milliseconds(jittered);
}

HttpResponse sendWithRetry(HttpClient& client, const HttpRequest& request, Backoff& backoff, ShutdownToken& shutdown,
                           const RetryObserver& observer, const RetryContext& context) {
  HttpResponse settled;
  auto attempt = [&](int) {
    HttpResponse response = client.send(request);
    if (!isTransientStatus(response.status)) {
      settled = std::move(response);
      return AttemptVerdict::done();
    }
    std::string reason = "HTTP " + std::to_string(response.status);
    if (!response.reason.empty()) reason += " " + response.reason;
    for (const std::string& name : context.diagnosticHeaders) {
      const std::string value = response.header(name);
      if (!value.empty()) reason += " [" + name + " " + value + "]";
    }
    const auto retryAfter = parseRetryAfter(response.header("Retry-After"));
    if (retryAfter) reason += " (Retry-After " + std::to_string(retryAfter->count() / 1000) + " s)";
    return AttemptVerdict::retry(reason, retryAfter);
  };
  AttemptHooks hooks;
  if (observer) {
    hooks.onRetry = [&observer](int number, const std::string& failure, std::chrono::milliseconds delay) {
      observer(RetryEvent{number, failure, delay});
    };
  }
  const LoopResult result = runAttempts(backoff, shutdown, attempt, hooks);
  if (result.end == LoopEnd::Settled) return settled;
  const std::string prefix = context.what.empty() ? "" : context.what + ": ";
  if (result.end == LoopEnd::ShuttingDown) throw TransientError(prefix + result.why);
  throw TransientError(prefix + result.why + ": " + result.failure);
}

}  // namespace evalbridge
