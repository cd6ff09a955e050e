#include "config/Duration.h"

#include <cctype>

namespace evalbridge {

std::optional<long long> parseIsoDurationSeconds(const std::string& text) {
  constexpr long long kLimit = 68LL * 365 * 24 * 3600;  // fits a 32-bit int of seconds, roughly
  if (text.size() < 3 || text[0] != 'P') return std::nullopt;
  std::size_t pos = 1;
  bool inTime = false;
  bool any = false;
  bool weeks = false;
  // Designators must appear in this order, each at most once.
  const std::string dateOrder = "WD";
  const std::string timeOrder = "HMS";
  std::size_t nextDate = 0;
  std::size_t nextTime = 0;
  long long total = 0;
  while (pos < text.size()) {
    if (text[pos] == 'T') {
      if (inTime) return std::nullopt;
      inTime = true;
      ++pos;
      if (pos >= text.size()) return std::nullopt;  // "P1DT" has no time part
      continue;
    }
    long long value = 0;
    const std::size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      value = value * 10 + (text[pos] - '0');
      if (value > kLimit) return std::nullopt;
      ++pos;
    }
    if (pos == start || pos >= text.size()) return std::nullopt;
    const char unit = text[pos++];
    long long factor = 0;
    if (!inTime) {
      const auto index = dateOrder.find(unit);
      if (index == std::string::npos || index < nextDate) return std::nullopt;
      nextDate = index + 1;
      if (unit == 'W') {
        weeks = true;
        factor = 7LL * 24 * 3600;
      } else {
        factor = 24LL * 3600;
      }
    } else {
      const auto index = timeOrder.find(unit);
      if (index == std::string::npos || index < nextTime) return std::nullopt;
      nextTime = index + 1;
      factor = unit == 'H' ? 3600 : unit == 'M' ? 60 : 1;
    }
    total += value * factor;
    if (total > kLimit) return std::nullopt;
    any = true;
  }
  // ISO 8601 allows weeks only on their own ("P2W").
  if (weeks && (nextDate > 1 || inTime)) return std::nullopt;
  if (!any) return std::nullopt;
  return total;
}

}  // namespace evalbridge
