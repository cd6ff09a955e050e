#pragma once
// The embedded ledger: one SQLite file, WAL journal, full fsync on commit (an intent must survive
// power loss, or a re-run could post a duplicate), foreign keys on, a busy timeout so a second
// process (e.g. `ledger list` while `run` works) waits instead of failing.
#include <string>
#include <unordered_map>

#include "ledger/Database.h"

struct sqlite3;

namespace evalbridge {

class SqliteDatabase : public Database {
 public:
  // ReadOnly (doctor): the file must exist; nothing is set or checkpointed, so the file is left
  // as it was, even a WAL that a killed process left behind.
  enum class Access { ReadWrite, ReadOnly };
  explicit SqliteDatabase(const std::string& path, Access access = Access::ReadWrite, int busyTimeoutMs = 10000);
  ~SqliteDatabase() override;

  LedgerBackend backend() const override { return LedgerBackend::Sqlite; }
  void exec(const std::string& sql) override;
  int changes() const override;
  void beginWrite() override;
  void relaxDurability(bool relaxed) override;
  PreparedStatement* take(const std::string& sql) override;
  void give(const std::string& sql, PreparedStatement* statement) override;

  sqlite3* handle() const { return db_; }

 private:
  void configure(Access access, int busyTimeoutMs);
  void enableWal(int busyTimeoutMs);

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, PreparedStatement*> idle_;  // at most one idle statement per SQL text
};

}  // namespace evalbridge
