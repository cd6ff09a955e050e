#pragma once
// One open ledger connection, SQLite or PostgreSQL. The ledger's code is written once against
// this interface and its Statement/Transaction helpers; each backend turns it into its own calls
// (placeholders, transaction start, durability knobs, schema bookkeeping). SQL text is shared and
// kept to what both engines read the same way (ON CONFLICT, IS DISTINCT FROM, COALESCE).
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace evalbridge {

enum class LedgerBackend { Sqlite, Postgres };

// A prepared statement of one backend: positional binds (1-based), typed column reads (0-based).
class PreparedStatement {
 public:
  virtual ~PreparedStatement() = default;
  virtual void bindText(int index, const std::string& value) = 0;
  virtual void bindInteger(int index, std::int64_t value) = 0;
  virtual void bindNull(int index) = 0;
  // Executes on the first call; true while a row is available.
  virtual bool step() = 0;
  // Back to unexecuted with no binds (for reuse).
  virtual void reset() = 0;
  virtual bool isNull(int column) const = 0;
  virtual std::string text(int column) const = 0;  // "" for NULL
  virtual std::int64_t integer(int column) const = 0;
  // The result's shape (after the first step()).
  virtual int columnCount() const = 0;
  virtual std::string columnName(int column) const = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  virtual LedgerBackend backend() const = 0;
  // Runs one or more statements without parameters or results.
  virtual void exec(const std::string& sql) = 0;
  // The file path, or the PostgreSQL URL without its password: safe to print.
  const std::string& path() const { return path_; }
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  virtual int changes() const = 0;

  // Starts a write transaction (SQLite takes the write lock up front: BEGIN IMMEDIATE).
  virtual void beginWrite() = 0;
  // Outcome commits may skip the wait for the disk (see GroupCommit); intents never do.
  virtual void relaxDurability(bool relaxed) = 0;

  // Serializes use of this connection across threads. Statements and transactions take it
  // themselves for their lifetime; callers need it only to make several statements one unit.
  std::recursive_mutex& mutex() { return mutex_; }

  // Prepared statements are kept per SQL text and reused (preparing is a large share of a small
  // statement's cost). Used by Statement under the connection's mutex: take() hands one out
  // (prepared anew when none is idle), give() takes it back reset and unbound.
  virtual PreparedStatement* take(const std::string& sql) = 0;
  virtual void give(const std::string& sql, PreparedStatement* statement) = 0;

 protected:
  explicit Database(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
  std::recursive_mutex mutex_;
};

// A `postgresql://` or `postgres://` URL opens PostgreSQL; anything else is a SQLite file path.
inline bool isPostgresLocation(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}
// `password` (PostgreSQL only) is given to libpq beside the URL, so it is never part of a printed URL.
std::unique_ptr<Database> openDatabase(const std::string& location, const std::string& password = "");
// For reading only (doctor): an existing SQLite file opened read-only and left untouched; a
// PostgreSQL connection as above (the caller only reads).
std::unique_ptr<Database> openDatabaseForReading(const std::string& location, const std::string& password = "");

}  // namespace evalbridge
