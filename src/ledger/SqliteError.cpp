#include "ledger/SqliteError.h"

#include <sqlite3.h>

namespace evalbridge {

void checkSqlite(sqlite3* db, int rc, const std::string& context) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int extended = db ? sqlite3_extended_errcode(db) : rc;
  throw SqliteError(context + ": " + message + " (sqlite code " + std::to_string(extended) + ")", extended);
}

}  // namespace evalbridge
