#pragma once
// Numbered schema migrations from db/NNN_name.sql (embedded at build time). Each runs in its own
// transaction together with the row that records it, so a crash never leaves a half-applied step.
#include <string>
#include <vector>

namespace evalbridge {

class Database;

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

const std::vector<Migration>& embeddedMigrations();

// Applies every migration newer than the recorded version; returns the resulting version.
// Refuses (SqliteError) a ledger whose version is newer than this binary knows.
int applyMigrations(Database& db, const std::vector<Migration>& migrations = embeddedMigrations());
int schemaVersion(Database& db);

}  // namespace evalbridge
