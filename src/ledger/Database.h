#pragma once
// One open SQLite connection: WAL journal, full fsync on commit (an intent must survive power
// loss, or a re-run could post a duplicate), foreign keys on, a busy timeout so a second
// process (e.g. `ledger list` while `run` works) waits instead of failing.
#include <mutex>
#include <string>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace evalbridge {

class Database {
 public:
  explicit Database(const std::string& path, int busyTimeoutMs = 10000);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const std::string& sql);
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  long long lastInsertRowId() const;
  int changes() const;

  // Serializes use of this connection across threads. Statements and transactions take it
  // themselves for their lifetime; callers need it only to make several statements one unit.
  std::recursive_mutex& mutex() { return mutex_; }

  // Prepared statements are kept per SQL text and reused (preparing is a large share of a small
  // statement's cost). Used by Statement under the connection's mutex: take() hands one out
  // (prepared anew when none is idle), give() takes it back reset and unbound.
  sqlite3_stmt* take(const std::string& sql);
  void give(const std::string& sql, sqlite3_stmt* statement);

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  std::recursive_mutex mutex_;
  std::unordered_map<std::string, sqlite3_stmt*> idle_;  // at most one idle statement per SQL text
};

}  // namespace evalbridge
