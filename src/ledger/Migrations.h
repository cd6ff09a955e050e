#pragma once
// Numbered schema migrations, one set per backend (db/NNN_name.sql for SQLite,
// db/postgresql/NNN_name.sql for PostgreSQL, embedded at build time). The two sets share their
// numbers: schema version N means the same tables in either engine. Each migration runs in its
// own transaction together with the row that records it, so a crash never leaves a half-applied
// step; on PostgreSQL an advisory lock makes replicas that start together apply each one once.
#include <optional>
#include <string>
#include <vector>

#include "ledger/Database.h"

namespace evalbridge {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

const std::vector<Migration>& sqliteMigrations();
const std::vector<Migration>& postgresMigrations();
const std::vector<Migration>& embeddedMigrations(LedgerBackend backend);

// Applies every migration newer than the recorded version; returns the resulting version.
// Refuses (LedgerError) a ledger whose version is newer than this binary knows.
int applyMigrations(Database& db);
int applyMigrations(Database& db, const std::vector<Migration>& migrations);
int schemaVersion(Database& db);
// The recorded version without writing anything (doctor): nothing when the ledger has no
// schema_migrations table yet (a new file or an empty database).
std::optional<int> recordedSchemaVersion(Database& db);

}  // namespace evalbridge
