#pragma once
// A SQLite failure, carrying SQLite's (extended) result code.
#include <string>

#include "ledger/LedgerError.h"

struct sqlite3;

namespace evalbridge {

class SqliteError : public LedgerError {
 public:
  SqliteError(const std::string& what, int code) : LedgerError(what, code), sqliteCode_(code) {}
  int sqliteCode() const { return sqliteCode_; }

 private:
  int sqliteCode_;
};

// Throws SqliteError "<context>: <sqlite message> (code N)" unless rc is SQLITE_OK/ROW/DONE.
void checkSqlite(sqlite3* db, int rc, const std::string& context);

}  // namespace evalbridge
