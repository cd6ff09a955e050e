#pragma once
// Date-time text in the two formats the simulated services speak: ISO 8601 with milliseconds and
// "Z" (Genesys) and "YYYY-MM-DD HH:MM:SS" in UTC (ServiceNow). Parsing and formatting go through
// Poco::DateTimeParser/DateTimeFormatter; this file only pins the exact shapes.
#include <Poco/Timestamp.h>

#include <optional>
#include <string>

namespace evalbridge::sim {

// Accepts "2026-11-01T00:00:00Z", "...00.000Z" and "...+02:00"; nullopt for anything else.
std::optional<Poco::Timestamp> parseIso8601(const std::string& text);
// "2026-11-01T00:00:00.000Z"
std::string formatIso8601(const Poco::Timestamp& time);
// The time as formatIso8601 shows it (and parseIso8601 reads that text back): floored to whole
// milliseconds. Lets a store compare the dates its documents show without writing them.
Poco::Timestamp wholeMilliseconds(const Poco::Timestamp& time);
// "2026-11-01 00:00:00", UTC.
std::string formatServiceNow(const Poco::Timestamp& time);
// Unix seconds with fraction.
double unixSeconds(const Poco::Timestamp& time);

}  // namespace evalbridge::sim
