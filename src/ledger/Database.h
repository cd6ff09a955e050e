#pragma once
// One open SQLite connection: WAL journal, full fsync on commit (an intent must survive power
// loss, or a re-run could post a duplicate), foreign keys on, a busy timeout so a second
// process (e.g. `ledger list` while `run` works) waits instead of failing.
#include <mutex>
#include <string>

struct sqlite3;

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

  // Serializes use of this connection across threads (statements and transactions lock it).
  std::recursive_mutex& mutex() { return mutex_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  std::recursive_mutex mutex_;
};

}  // namespace evalbridge
