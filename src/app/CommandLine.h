#pragma once
// `evalbridge [--config FILE] COMMAND [options]` (SPEC section 2), parsed into words and flags.
// Flags are "--name value" or "--name=value"; boolean flags take no value.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace evalbridge {

struct CommandLine {
  std::string command;                     // "sync", "map", "ledger", ...
  std::vector<std::string> words;          // positional words after the command
  std::map<std::string, std::string> options;  // --name -> value ("" for boolean flags)

  bool has(const std::string& name) const { return options.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  // The value of a required option; UsageError naming it when absent.
  std::string required(const std::string& name) const;
};

// `booleanFlags` lists the flags that take no value. Throws UsageError.
CommandLine parseCommandLine(int argc, const char* const argv[], const std::set<std::string>& booleanFlags);

// Throws UsageError for any option not in `allowed` (so typos are caught, not ignored).
void allowOnly(const CommandLine& line, const std::set<std::string>& allowed);

std::string usageText();

}  // namespace evalbridge
