#pragma once
// ISO 8601 instants as the bridge writes them: UTC, second resolution, "YYYY-MM-DDTHH:MM:SSZ",
// so that text order is time order (the ledger compares them as text).
#include <optional>
#include <string>

#include <Poco/Timestamp.h>

namespace evalbridge {

// An ISO 8601 instant: "YYYY-MM-DDTHH:MM:SS", an optional fraction, then "Z" or an offset
// ("+HH:MM", "-HHMM"); nothing for anything else, a date alone included.
std::optional<Poco::Timestamp> parseIsoTime(const std::string& text);
// The same, and a date alone ("2026-11-01") as that day's midnight UTC: what a person may write
// for --from, --to or startFrom.
std::optional<Poco::Timestamp> parseIsoTimeOrDate(const std::string& text);
std::string formatIsoTime(const Poco::Timestamp& time);
// Seconds from the instant `text` names (parseIsoTime's forms) to now; 0 for one in the future
// (clocks differ), nothing when `text` is not a time.
std::optional<double> secondsSince(const std::string& text);
// The instant, or PermanentError "<what>: '<text>' is not an ISO 8601 time".
Poco::Timestamp requireIsoTime(const std::string& text, const std::string& what);
// Normalizes to formatIsoTime's form; returns the input unchanged when it does not parse.
std::string normalizeIsoTime(const std::string& text);

}  // namespace evalbridge
