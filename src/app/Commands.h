#pragma once
// One function per CLI command; each returns the process exit code (SPEC section 2) and throws
// ConfigError/UsageError (exit 2) for bad input.
#include <iosfwd>

#include "app/CommandLine.h"
#include "config/Config.h"

namespace evalbridge {

enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitDeadLetters = 3 };

int runSyncCommand(const CommandLine& line, std::ostream& out);
int runMapCommand(const CommandLine& line, std::ostream& out);
int runLedgerCommand(const CommandLine& line, std::ostream& out);
int runDemoCommand(const CommandLine& line, std::ostream& out);
int runDoctorCommand(const CommandLine& line, std::ostream& out);
int runRunCommand(const CommandLine& line, std::ostream& out);

// The config file named by --config, $EVALBRIDGE_CONFIG or ./evalbridge.json.
std::string configPathFor(const CommandLine& line);

// Loads that config and, from then on, replaces every secret it holds by "***" in every log line.
Config loadCommandConfig(const CommandLine& line);

}  // namespace evalbridge
