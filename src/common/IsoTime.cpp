#include "common/IsoTime.h"

#include <algorithm>

#include "common/Errors.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>

#include <string_view>

namespace evalbridge {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Poco 1.11's parser reads what it can and ignores the rest: "yesterday" reads as the year 0 and
// "2026-11-21T09:15:00Z junk" as that instant. So the text must first have the shape of an
// ISO 8601 instant, "YYYY-MM-DDTHH:MM:SS", an optional fraction, then "Z" or an offset "+HH:MM"
// ("+HHMM" too); Poco then reads the values (and refuses a 30 February).
bool hasInstantShape(const std::string& text) {
  static constexpr char kShape[] = "dddd-dd-ddTdd:dd:dd";  // d: a digit
  constexpr std::size_t kShapeLength = sizeof kShape - 1;
  if (text.size() <= kShapeLength) return false;
  for (std::size_t i = 0; i < kShapeLength; ++i)
    if (kShape[i] == 'd' ? !isDigit(text[i]) : text[i] != kShape[i]) return false;
  std::size_t at = kShapeLength;
  if (text[at] == '.') {
    const std::size_t digits = ++at;
    while (at < text.size() && isDigit(text[at])) ++at;
    if (at == digits) return false;
  }
  const std::string_view zone(text.data() + at, text.size() - at);
  if (zone == "Z") return true;
  if (zone.size() != 5 && zone.size() != 6) return false;
  const std::size_t minutes = zone.size() - 2;  // after "+HH:" or "+HH"
  return (zone[0] == '+' || zone[0] == '-') && isDigit(zone[1]) && isDigit(zone[2]) &&
         (zone.size() == 5 || zone[3] == ':') && isDigit(zone[minutes]) && isDigit(zone[minutes + 1]);
}

}  // namespace

std::optional<Poco::Timestamp> parseIsoTime(const std::string& text) {
  if (!hasInstantShape(text)) return std::nullopt;
  Poco::DateTime parsed;
  int tzd = 0;
  // Pointers, not a list of strings: a braced list would copy both formats on every call.
  for (const std::string* format : {&Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, &Poco::DateTimeFormat::ISO8601_FORMAT}) {
    if (Poco::DateTimeParser::tryParse(*format, text, parsed, tzd)) {
      parsed.makeUTC(tzd);
      return parsed.timestamp();
    }
  }
  return std::nullopt;
}

std::optional<Poco::Timestamp> parseIsoTimeOrDate(const std::string& text) {
  constexpr std::size_t kDateLength = 10;  // "YYYY-MM-DD": the instant's shape checks the digits
  return parseIsoTime(text.size() == kDateLength ? text + "T00:00:00Z" : text);
}

std::string formatIsoTime(const Poco::Timestamp& time) {
  return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%SZ");
}

std::optional<double> secondsSince(const std::string& text) {
  const auto at = parseIsoTime(text);
  if (!at) return std::nullopt;
  return std::max(0.0, static_cast<double>(Poco::Timestamp() - *at) / 1e6);
}

std::string normalizeIsoTime(const std::string& text) {
  auto parsed = parseIsoTime(text);
  return parsed ? formatIsoTime(*parsed) : text;
}

Poco::Timestamp requireIsoTime(const std::string& text, const std::string& what) {
  auto parsed = parseIsoTime(text);
  if (!parsed) throw PermanentError(what + ": '" + text + "' is not an ISO 8601 time");
  return *parsed;
}

}  // namespace evalbridge
