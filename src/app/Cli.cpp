#include "app/Cli.h"

#include <sys/stat.h>

#include <iostream>

#include "app/CommandLine.h"
#include "app/Commands.h"
#include "app/Logging.h"
#include "app/OpenFilesLimit.h"
#include "common/Errors.h"
#include "config/Config.h"
#include "config/Redaction.h"
#include "ledger/PostgresModule.h"

namespace evalbridge {

std::string configPathFor(const CommandLine& line) {
  if (auto path = line.value("config")) return *path;
  return defaultConfigPath();
}

Config loadCommandConfig(const CommandLine& line) {
  Config config = loadConfig(configPathFor(line));
  redactLogsWith(Redactor(config));
  return config;
}

int runCli(int argc, const char* const argv[]) {
  // Owner-only for everything any command creates (the ledger, its WAL and shm files, the port
  // file, the demo's folder): they hold names, comments, scores and incident data.
  ::umask(077);
  raiseOpenFilesLimit();
  try {
    CommandLine line =
        parseCommandLine(argc, argv, {"once", "json", "all", "dry-run", "verbose", "quiet", "help", "version"});
    if (line.has("version") || line.command == "version") {
      // The module a postgresql:// ledger would use, so an operator can check an install (or a
      // replica's image) before pointing it at the shared ledger.
      std::cout << "evalbridge " << EVALBRIDGE_VERSION << "\npostgresql module: " << describePostgresModule() << "\n";
      return kExitOk;
    }
    setUpLogging(line.has("verbose") ? LogLevel::Verbose : line.has("quiet") ? LogLevel::Quiet : LogLevel::Normal,
                 logFormatFrom(line.value("log-format")));
    if (line.command.empty() || line.command == "help" || line.has("help")) {
      std::cout << usageText();
      return line.command.empty() && !line.has("help") ? kExitUsage : kExitOk;
    }
    // OpenSSL is initialized by the first TLS context (sharedTlsClientContext), if any.
    if (line.command == "sync") return runSyncCommand(line, std::cout);
    if (line.command == "map") return runMapCommand(line, std::cout);
    if (line.command == "ledger") return runLedgerCommand(line, std::cout);
    if (line.command == "demo") return runDemoCommand(line, std::cout);
    if (line.command == "doctor") return runDoctorCommand(line, std::cout);
    if (line.command == "run") return runRunCommand(line, std::cout);
    throw UsageError("unknown command '" + line.command + "' (run `evalbridge help`)");
  } catch (const UsageError& e) {
    std::cerr << "evalbridge: " << redactedForOutput(e.message()) << "\n";
    return kExitUsage;
  } catch (const ConfigError& e) {
    std::cerr << "evalbridge: configuration error: " << redactedForOutput(e.message()) << "\n";
    return kExitUsage;
  } catch (const Poco::Exception& e) {
    std::cerr << "evalbridge: " << redactedForOutput(e.message()) << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "evalbridge: " << redactedForOutput(e.what()) << "\n";
    return kExitFailure;
  }
}

}  // namespace evalbridge
