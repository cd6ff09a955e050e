#include "ledger/IncidentStates.h"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace evalbridge {
namespace {

const std::pair<const char*, const char*> kStates[] = {
    {"1", "New"},      {"2", "In Progress"}, {"3", "On Hold"},  {"6", "Resolved"},
    {"7", "Closed"},   {"8", "Canceled"},
};

// Lower case, with spaces, '_' and '-' removed: "On Hold" == "on_hold" == "onhold".
std::string squeeze(const std::string& text) {
  std::string out;
  for (unsigned char c : text)
    if (c != ' ' && c != '_' && c != '-') out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

}  // namespace

std::optional<std::string> incidentStateCode(const std::string& nameOrCode) {
  const std::string text = Poco::trim(nameOrCode);
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
    return text;
  const std::string wanted = squeeze(text);
  if (wanted == "cancelled") return std::string("8");  // both spellings are in use
  for (const auto& [code, name] : kStates)
    if (squeeze(name) == wanted) return std::string(code);
  return std::nullopt;
}

std::string incidentStateName(const std::string& code) {
  for (const auto& [known, name] : kStates)
    if (code == known) return name;
  return code;
}

bool isFinalIncidentState(const std::string& code) { return code == "6" || code == "7" || code == "8"; }

}  // namespace evalbridge
