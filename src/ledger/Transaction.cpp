#include "ledger/Transaction.h"

#include "ledger/Database.h"

namespace evalbridge {

Transaction::Transaction(Database& db) : db_(db), lock_(db.mutex()) { db_.beginWrite(); }

Transaction::~Transaction() {
  if (done_) return;
  try {
    db_.exec("ROLLBACK");
  } catch (...) {
    // A failed rollback leaves SQLite to roll back on close; nothing more can be done here.
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace evalbridge
