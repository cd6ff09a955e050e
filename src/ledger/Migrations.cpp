#include "ledger/Migrations.h"

#include "ledger/Database.h"
#include "ledger/SqliteError.h"
#include "ledger/Statement.h"
#include "ledger/Transaction.h"

namespace evalbridge {
namespace {

void ensureVersionTable(Database& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
      " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))");
}

}  // namespace

int schemaVersion(Database& db) {
  std::lock_guard<std::recursive_mutex> lock(db.mutex());
  ensureVersionTable(db);
  Statement query(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  query.step();
  return static_cast<int>(query.integer(0));
}

int applyMigrations(Database& db, const std::vector<Migration>& migrations) {
  std::lock_guard<std::recursive_mutex> lock(db.mutex());
  int current = schemaVersion(db);
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    throw SqliteError("ledger " + db.path() + " has schema version " + std::to_string(current) +
                          ", newer than this evalbridge knows (" + std::to_string(newest) +
                          "); use a newer evalbridge",
                      0);
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    Transaction transaction(db);
    db.exec(migration.sql);
    Statement record(db, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)");
    record.bind(1, migration.version).bind(2, migration.name).run();
    db.exec("PRAGMA user_version=" + std::to_string(migration.version));
    transaction.commit();
    current = migration.version;
  }
  return current;
}

}  // namespace evalbridge
