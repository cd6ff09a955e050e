#pragma once
// A SQLite failure, carrying SQLite's (extended) result code; part of the evalbridge family
// (permanent: a broken ledger is not fixed by retrying the same call).
#include <string>

#include "common/Errors.h"

struct sqlite3;

namespace evalbridge {

class SqliteError : public PermanentError {
 public:
  SqliteError(const std::string& what, int code) : PermanentError(what, code), sqliteCode_(code) {}
  int sqliteCode() const { return sqliteCode_; }

 private:
  int sqliteCode_;
};

// Throws SqliteError "<context>: <sqlite message> (code N)" unless rc is SQLITE_OK/ROW/DONE.
void checkSqlite(sqlite3* db, int rc, const std::string& context);

}  // namespace evalbridge
