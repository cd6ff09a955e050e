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
  // Outcomes are committed without waiting for the disk (SQLite WAL with synchronous=NORMAL,
  // PostgreSQL synchronous_commit=off: durable against a killed process, not against a power cut
  // or a server crash), then the connection is back to waiting for the disk for intents.
  // Losing an outcome to a power cut is safe by construction: the record is pending again, and a
  // pending record is looked up by correlation_id before anything is posted (IncidentSink), so
  // the incident is adopted, never created twice. An intent is different (without it a POST
  // could leave no trace), so intents keep the full wait.
  try {
    Transaction transaction(db_, Transaction::Durability::Relaxed);
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
