#include "app/CommandLine.h"

#include "common/Errors.h"

namespace evalbridge {

std::optional<std::string> CommandLine::value(const std::string& name) const {
  auto found = options.find(name);
  if (found == options.end()) return std::nullopt;
  return found->second;
}

std::string CommandLine::required(const std::string& name) const {
  auto found = value(name);
  if (!found || found->empty()) throw UsageError("evalbridge " + command + ": --" + name + " is required");
  return *found;
}

CommandLine parseCommandLine(int argc, const char* const argv[], const std::set<std::string>& booleanFlags) {
  CommandLine line;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.rfind("--", 0) == 0 && word.size() > 2) {
      std::string name = word.substr(2);
      std::string value;
      auto equals = name.find('=');
      if (equals != std::string::npos) {
        value = name.substr(equals + 1);
        name = name.substr(0, equals);
      } else if (!booleanFlags.count(name)) {
        if (i + 1 >= argc) throw UsageError("option --" + name + " needs a value");
        value = argv[++i];
      }
      line.options[name] = value;
    } else if (word == "-h") {
      line.options["help"] = "";
    } else if (line.command.empty()) {
      line.command = word;
    } else {
      line.words.push_back(word);
    }
  }
  return line;
}

void allowOnly(const CommandLine& line, const std::set<std::string>& allowed) {
  for (const auto& [name, value] : line.options) {
    if (name == "config" || name == "help" || name == "verbose" || name == "quiet" || name == "log-format") continue;
    if (!allowed.count(name)) throw UsageError("evalbridge " + line.command + ": unknown option --" + name);
  }
}

std::string usageText() {
  return R"(usage: evalbridge [--config FILE] COMMAND [options]
       evalbridge --version

commands:
  sync --once [--org NAME] [--from ISO8601] [--to ISO8601] [--json]
                 one cycle: export, map, deliver, pull incident state back, write-back
  map --mapping FILE --input FILE [--json] [--org-id ID]
                 offline preview: the incidents a file of evaluations would produce (no network)
  ledger list [--org ORGID] [--status S] [--state STATE] [--limit N] [--json]
                 STATE: a ServiceNow state name (resolved, closed, ...) or number
  ledger show KEY [--json]      KEY: orgId:evaluationId, correlation id, incident number
  ledger stats [--json]
  ledger dead [--json]
  ledger replay KEY|--all       (ledger commands also take --ledger FILE instead of a config)
  ledger migrate --to postgresql://USER@HOST/DB [--json]
                 copy this ledger into a PostgreSQL one (password in PGPASSWORD), then verify the counts
  ledger prune [--dry-run] [--json]
                 apply ledger.retention (defaults with --ledger alone); --dry-run only counts
  doctor [--org NAME] [--json]  preflight every org and ServiceNow; explain each failure and its fix
  run [--port-file FILE]        daemon: scheduled sync per org, state pull, HTTP server; SIGTERM drains
  demo [--keep DIR]             run the bundled simulators and three cycles against them

global options:
  --config FILE   default $EVALBRIDGE_CONFIG, then ./evalbridge.json
  --verbose       debug logs on stderr;  --quiet  warnings and errors only
  --log-format text|json        one log line per event (default text)

exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error, 3 finished with dead letters
)";
}

}  // namespace evalbridge
