// The PostgreSQL backend is a module loaded only for a postgresql:// ledger (ledger/PostgresModule.h):
// a SQLite ledger never maps libpq; a PostgreSQL one loads the module, beside the binary or where
// EVALBRIDGE_POSTGRES_MODULE names it; a missing or foreign module is an error naming the file.
#include <catch2/catch.hpp>
#include <link.h>

#include <Poco/File.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "ledger/Database.h"
#include "ledger/Ledger.h"
#include "ledger/LedgerError.h"
#include "ledger/Statement.h"
#include "support/LedgerBackends.h"
#include "support/PostgresServer.h"
#include "support/RunProcess.h"
#include "support/TempDir.h"

using namespace evalbridge;
using evalbridge::test::ProcessResult;
using evalbridge::test::runEvalbridge;
using evalbridge::test::sharedPostgres;
using evalbridge::test::TempDir;

namespace {

// The files of every shared object this process has mapped.
std::vector<std::string> loadedObjects() {
  std::vector<std::string> names;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        if (info->dlpi_name && *info->dlpi_name) static_cast<std::vector<std::string>*>(out)->push_back(info->dlpi_name);
        return 0;
      },
      &names);
  return names;
}

std::string loadedObject(const std::string& fragment) {
  for (const auto& name : loadedObjects())
    if (name.find(fragment) != std::string::npos) return name;
  return {};
}

}  // namespace

// Kills: linking libpq into the executable again, or loading the module for every ledger.
TEST_CASE("a SQLite ledger never loads libpq or the PostgreSQL module", "[postgres-module]") {
  TempDir dir;
  Ledger ledger(dir.file("ledger.db"));
  ledger.setCheckpoint("org-1", "acme", "2026-11-02T00:00:00Z");
  CHECK(ledger.checkpoint("org-1"));
  CHECK(loadedObject("libpq.so") == "");
  CHECK(loadedObject("evalbridge-postgresql.so") == "");
}

// Kills: a loader that never loads (or opens SQLite for a postgresql:// location).
TEST_CASE("a PostgreSQL ledger loads the module, and libpq with it", "[postgres-module]") {
  auto& server = sharedPostgres();
  const std::string url = server.createDatabase("module_load");
  auto db = openDatabase(url, server.password());
  CHECK(db->backend() == LedgerBackend::Postgres);
  CHECK(loadedObject("evalbridge-postgresql.so") != "");
  CHECK(loadedObject("libpq.so") != "");
  Statement one(*db, "SELECT 41 + 1");
  REQUIRE(one.step());
  CHECK(one.integer(0) == 42);
}

// Kills: the module's LedgerError not reaching the caller as the bridge's own type.
TEST_CASE("an error inside the module is the bridge's LedgerError, password kept out", "[postgres-module]") {
  CHECK_THROWS_AS(openDatabase("postgresql://evalbridge:hunter22@db.example.com/evalbridge"), LedgerError);
  CHECK_THROWS_WITH(openDatabase("postgresql://evalbridge:hunter22@db.example.com/evalbridge"),
                    Catch::Contains("sslmode=verify-full") && !Catch::Contains("hunter22"));
}

// The loader keeps the first module it loaded for the life of the process, so the refusals are
// shown by the binary, each in a process of its own.
namespace {
ProcessResult statsWithModule(const std::string& module) {
  return runEvalbridge({"ledger", "stats", "--ledger", "postgresql://evalbridge@127.0.0.1:1/evalbridge"},
                       {{"EVALBRIDGE_POSTGRES_MODULE", module}});
}
}  // namespace

// Kills: a loader that fails without saying where it looked or how to fix it.
TEST_CASE("a missing module is an error naming where it was looked for and the fix", "[postgres-module]") {
  const auto result = statsWithModule("/nonexistent/evalbridge-postgresql.so");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(result.err, Catch::Contains("/nonexistent/evalbridge-postgresql.so") &&
                             Catch::Contains("EVALBRIDGE_POSTGRES_MODULE") && Catch::Contains("ledger.url"));
}

// Kills: calling into whatever library the path names.
TEST_CASE("a library that is not the module is refused", "[postgres-module]") {
  const std::string sqlite = loadedObject("libsqlite3.so");
  REQUIRE(sqlite != "");
  const auto result = statsWithModule(sqlite);
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(result.err, Catch::Contains(sqlite) && Catch::Contains("is not an evalbridge PostgreSQL module"));
}

// Kills: --version failing (or saying nothing) when the module cannot be loaded: SQLite needs none.
TEST_CASE("evalbridge --version says why the module would not load, and still exits 0", "[postgres-module]") {
  const auto result = runEvalbridge({"--version"}, {{"EVALBRIDGE_POSTGRES_MODULE", "/nonexistent/evalbridge-postgresql.so"}});
  INFO(result.out << result.err);
  CHECK(result.exitCode == 0);
  CHECK_THAT(result.out, Catch::Contains("postgresql module: not available") &&
                             Catch::Contains("/nonexistent/evalbridge-postgresql.so") && !Catch::Contains("ledger.url"));
}

// Kills: a relative path, which would be looked up in the working folder (or by dlopen's own
// search), not where the operator meant.
TEST_CASE("a module path that is not absolute is refused", "[postgres-module]") {
  const auto result = statsWithModule("evalbridge-postgresql.so");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(result.err, Catch::Contains("EVALBRIDGE_POSTGRES_MODULE") && Catch::Contains("must be an absolute path"));
}

// Kills: a binary that finds the module only through the variable (as an installed one must).
TEST_CASE("the evalbridge binary finds the module beside itself", "[postgres-module]") {
  auto& server = sharedPostgres();
  const std::string url = server.createDatabase("module_beside");
  const auto result = runEvalbridge({"ledger", "stats", "--json", "--ledger", url},
                                    {{"PGPASSWORD", server.password()}, {"EVALBRIDGE_POSTGRES_MODULE", ""}});
  INFO(result.out << result.err);
  CHECK(result.exitCode == 0);
  CHECK_THAT(result.out, Catch::Contains("\"ledgerFile\""));
}

// Kills: an installed layout (cmake --install, the container image) whose binary misses the
// module in ../lib/evalbridge/.
TEST_CASE("an installed binary finds the module in ../lib/evalbridge/", "[postgres-module]") {
  const char* module = std::getenv("EVALBRIDGE_POSTGRES_MODULE");  // the built one (catch_main.cpp)
  REQUIRE(module);
  TempDir prefix;
  const std::string binary = prefix.file("bin/evalbridge");
  Poco::File(prefix.file("bin")).createDirectories();
  Poco::File(prefix.file("lib/evalbridge")).createDirectories();
  Poco::File(EVALBRIDGE_BINARY).copyTo(binary);
  Poco::File(module).copyTo(prefix.file("lib/evalbridge/evalbridge-postgresql.so"));
  auto& server = sharedPostgres();
  const std::string url = server.createDatabase("module_installed");
  const auto result = evalbridge::test::runProcess(binary, {"ledger", "stats", "--json", "--ledger", url},
                                                   {{"PGPASSWORD", server.password()}, {"EVALBRIDGE_POSTGRES_MODULE", ""}});
  INFO(result.out << result.err);
  CHECK(result.exitCode == 0);
  CHECK_THAT(result.out, Catch::Contains("\"ledgerFile\""));
}
