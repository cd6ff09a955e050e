#include "ledger/Migrations.h"

#include <algorithm>

#include "ledger/Ledger.h"
#include "ledger/LedgerError.h"
#include "ledger/Statement.h"
#include "ledger/Transaction.h"

namespace evalbridge {
namespace {

// Any constant shared by every evalbridge: the key of the PostgreSQL advisory lock held while
// migrating, so replicas starting at once wait for each other instead of racing on DDL.
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(7242010001)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(7242010001)";

void ensureVersionTable(Database& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
}

class SchemaLock {
 public:
  explicit SchemaLock(Database& db) : db_(db) {
    if (db_.backend() == LedgerBackend::Postgres) db_.exec(kMigrationLock);
  }
  ~SchemaLock() {
    try {
      if (db_.backend() == LedgerBackend::Postgres) db_.exec(kMigrationUnlock);
    } catch (...) {
      // The lock goes with the session if the connection is broken.
    }
  }

 private:
  Database& db_;
};

}  // namespace

const std::vector<Migration>& embeddedMigrations(LedgerBackend backend) {
  return backend == LedgerBackend::Postgres ? postgresMigrations() : sqliteMigrations();
}

int schemaVersion(Database& db) {
  std::lock_guard<std::recursive_mutex> lock(db.mutex());
  ensureVersionTable(db);
  Statement query(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  query.step();
  return static_cast<int>(query.integer(0));
}

std::optional<int> recordedSchemaVersion(Database& db) {
  // to_regclass resolves the name as the migrations' CREATE TABLE would place it (search_path),
  // whatever the role may read: a permission problem then shows in the read below.
  Statement exists(db, db.backend() == LedgerBackend::Postgres
                           ? "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END"
                           : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists.step() || exists.integer(0) == 0) return std::nullopt;
  Statement query(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  query.step();
  return static_cast<int>(query.integer(0));
}

int applyMigrations(Database& db) { return applyMigrations(db, embeddedMigrations(db.backend())); }

int applyMigrations(Database& db, const std::vector<Migration>& migrations) {
  for (size_t i = 1; i < migrations.size(); ++i)
    if (migrations[i].version <= migrations[i - 1].version)
      throw LedgerError("migrations out of order: " + migrations[i].name + " after " + migrations[i - 1].name);
  std::lock_guard<std::recursive_mutex> lock(db.mutex());
  SchemaLock schemaLock(db);
  int current = schemaVersion(db);
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    throw LedgerError("ledger " + db.path() + " has schema version " + std::to_string(current) +
                      ", newer than this evalbridge knows (" + std::to_string(newest) +
                      "); use a newer evalbridge");
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    Transaction transaction(db);
    // SQLite has no lock like PostgreSQL's above: another process opening the same new file may
    // have applied this migration while this one waited for the write lock. Read again under it.
    current = std::max(current, schemaVersion(db));
    if (migration.version <= current) continue;
    db.exec(migration.sql);
    Statement record(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    record.bind(1, migration.version).bind(2, migration.name).bind(3, utcNowIso()).run();
    if (db.backend() == LedgerBackend::Sqlite) db.exec("PRAGMA user_version=" + std::to_string(migration.version));
    transaction.commit();
    current = migration.version;
  }
  return current;
}

}  // namespace evalbridge
