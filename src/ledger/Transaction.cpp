#include "ledger/Transaction.h"

#include "ledger/Database.h"

namespace evalbridge {

Transaction::Transaction(Database& db, Durability durability) : db_(db), lock_(db.mutex()) {
  // SQLite refuses to change the setting inside a transaction: it is set before BEGIN, and the
  // lock held until the end keeps every other transaction of this connection from running
  // under it.
  if (durability == Durability::Relaxed) {
    db_.relaxDurability(true);
    relaxed_ = true;
  }
  try {
    db_.beginWrite();
  } catch (...) {
    restoreDurability();
    throw;
  }
}

Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
      // A failed rollback leaves SQLite to roll back on close; nothing more can be done here.
    }
  }
  restoreDurability();
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

void Transaction::restoreDurability() noexcept {
  if (!relaxed_) return;
  relaxed_ = false;
  try {
    db_.relaxDurability(false);
  } catch (...) {
    // Cannot fail on an open connection; if it did, the next intent would still reach the WAL.
  }
}

}  // namespace evalbridge
