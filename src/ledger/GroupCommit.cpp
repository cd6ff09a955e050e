#include "ledger/GroupCommit.h"

#include "ledger/Database.h"
#include "ledger/Transaction.h"

namespace evalbridge {

GroupCommit::GroupCommit(Database& db) : db_(db) {}

void GroupCommit::run(const std::function<void()>& write) {
  Item item{&write, nullptr};
  std::unique_lock<std::mutex> lock(mutex_);
  waiting_.push_back(&item);
  while (!item.done) {
    if (committing_) {
      committed_.wait(lock);
      continue;
    }
    // This caller commits everything waiting so far (its own write included).
    committing_ = true;
    std::vector<Item*> batch;
    batch.swap(waiting_);
    lock.unlock();
    commitBatch(batch);
    lock.lock();
    for (Item* done : batch) done->done = true;
    committing_ = false;
    committed_.notify_all();
  }
  if (item.error) std::rethrow_exception(item.error);
}

void GroupCommit::commitBatch(std::vector<Item*>& batch) {
  try {
    Transaction transaction(db_);
    for (Item* item : batch) {
      db_.exec("SAVEPOINT outcome");
      try {
        (*item->write)();
        db_.exec("RELEASE outcome");
      } catch (...) {
        item->error = std::current_exception();
        db_.exec("ROLLBACK TO outcome");
        db_.exec("RELEASE outcome");
      }
    }
    transaction.commit();
  } catch (...) {
    // The transaction itself failed (e.g. disk full): nothing of the batch is committed.
    for (Item* item : batch)
      if (!item->error) item->error = std::current_exception();
  }
}

}  // namespace evalbridge
