#pragma once
// The ledger's tests run against both backends: a SQLite file in the test's temp dir, and a fresh
// database on one real PostgreSQL 15 server shared by the whole test process (started on first
// use, ~1-3 s; a database per use, ~0.3 s). A case writes
//   const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
//   Ledger ledger(place.location, place.password);
// and Catch2 runs it once per backend.
#include <memory>
#include <string>

#include "ledger/Database.h"
#include "support/PostgresServer.h"
#include "support/TempDir.h"

namespace evalbridge::test {

struct LedgerPlace {
  LedgerBackend backend;
  std::string location;  // file path or postgresql:// URL
  std::string password;  // PostgreSQL only
  std::unique_ptr<Database> open() const { return openDatabase(location, password); }
};

inline PostgresServer& sharedPostgres() {
  static PostgresServer server;  // stopped and removed at exit
  return server;
}

inline LedgerPlace ledgerPlace(LedgerBackend backend, const TempDir& dir, const std::string& file = "l.db") {
  if (backend == LedgerBackend::Sqlite) return {backend, dir.file(file), ""};
  static int databases = 0;
  PostgresServer& server = sharedPostgres();
  return {backend, server.createDatabase("ledger_" + std::to_string(++databases)), server.password()};
}

inline const char* backendName(LedgerBackend backend) {
  return backend == LedgerBackend::Sqlite ? "sqlite" : "postgresql";
}

}  // namespace evalbridge::test
