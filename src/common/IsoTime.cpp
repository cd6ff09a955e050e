#include "common/IsoTime.h"

#include "common/Errors.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>

namespace evalbridge {

std::optional<Poco::Timestamp> parseIsoTime(const std::string& text) {
  Poco::DateTime parsed;
  int tzd = 0;
  for (const std::string& format : {Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, Poco::DateTimeFormat::ISO8601_FORMAT}) {
    if (Poco::DateTimeParser::tryParse(format, text, parsed, tzd)) {
      parsed.makeUTC(tzd);
      return parsed.timestamp();
    }
  }
  return std::nullopt;
}

std::string formatIsoTime(const Poco::Timestamp& time) {
  return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%SZ");
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
