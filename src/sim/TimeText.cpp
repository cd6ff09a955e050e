#include "sim/TimeText.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>

#include <regex>

namespace evalbridge::sim {

std::optional<Poco::Timestamp> parseIso8601(const std::string& text) {
  // Poco's parser is lenient (it skips what it does not understand), so the shape is checked
  // first: a bad startTime must be a 400, not a silently different window.
  static const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))");
  if (!std::regex_match(text, shape)) return std::nullopt;
  Poco::DateTime parsed;
  int zoneDifferential = 0;
  if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, parsed, zoneDifferential)) {
    return std::nullopt;
  }
  parsed.makeUTC(zoneDifferential);
  return parsed.timestamp();
}

std::string formatIso8601(const Poco::Timestamp& time) {
  return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%S.%iZ");
}

Poco::Timestamp wholeMilliseconds(const Poco::Timestamp& time) {
  const Poco::Timestamp::TimeVal micros = time.epochMicroseconds();
  return Poco::Timestamp(micros - ((micros % 1000) + 1000) % 1000);
}

std::string formatServiceNow(const Poco::Timestamp& time) {
  return Poco::DateTimeFormatter::format(time, "%Y-%m-%d %H:%M:%S");
}

double unixSeconds(const Poco::Timestamp& time) {
  return static_cast<double>(time.epochMicroseconds()) / 1e6;
}

}  // namespace evalbridge::sim
