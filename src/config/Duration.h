#pragma once
// A strict parser for ISO 8601 durations as used in the configuration ("PT24H", "PT10M",
// "P1D", "PT90S", "P1DT12H", "P2W"). Years and months (ambiguous lengths) and fractions are not
// accepted. Poco has no ISO duration parser.
#include <optional>
#include <string>

namespace evalbridge {

// Seconds, or nothing when `text` is not such a duration (or overflows ~68 years).
std::optional<long long> parseIsoDurationSeconds(const std::string& text);

}  // namespace evalbridge
