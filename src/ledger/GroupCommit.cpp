#include "ledger/GroupCommit.h"

#include <memory>

#include "ledger/Database.h"
#include "ledger/Transaction.h"

namespace evalbridge {

GroupCommit::GroupCommit(Database& db) : db_(db) {}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  posted_.notify_all();
  if (committer_.joinable()) committer_.join();
}

void GroupCommit::run(const std::function<void()>& write) {
  Item item{write, nullptr, nullptr};
  std::unique_lock<std::mutex> lock(mutex_);
  waiting_.push_back(&item);
  while (!item.done) {
    if (committing_) {
      committed_.wait(lock);
      continue;
    }
    // This caller commits everything waiting so far (its own write included).
    commitWaiting(lock);
  }
  if (item.error) std::rethrow_exception(item.error);
}

void GroupCommit::post(std::function<void()> write, Committed committed) {
  auto item = std::make_unique<Item>(Item{std::move(write), std::move(committed), nullptr});
  std::unique_lock<std::mutex> lock(mutex_);
  committed_.wait(lock, [this] { return postedSeq_ - endedSeq_ < kMaxPosted; });
  if (!committer_.joinable()) committer_ = std::thread([this] { commitPosted(); });
  waiting_.push_back(item.get());
  item.release();  // owned by the batch that commits it
  ++postedSeq_;
  posted_.notify_one();
}

void GroupCommit::flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  // Only what was posted before: other orgs' workers keep posting, a wait for none would last.
  const std::uint64_t target = postedSeq_;
  committed_.wait(lock, [this, target] { return endedSeq_ >= target; });
}

void GroupCommit::commitPosted() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    posted_.wait(lock, [this] { return stopping_ || endedSeq_ < postedSeq_; });
    if (endedSeq_ == postedSeq_) return;  // stopping, and everything posted has ended
    if (committing_) {
      committed_.wait(lock);  // a run() caller's batch may take the posted writes along
      continue;
    }
    commitWaiting(lock);
  }
}

void GroupCommit::commitWaiting(std::unique_lock<std::mutex>& lock) {
  committing_ = true;
  std::vector<Item*> batch;
  batch.swap(waiting_);
  lock.unlock();
  commitBatch(batch);
  std::vector<Item*> waited;  // run() callers' items, on their stacks
  waited.reserve(batch.size());  // nothing below may throw: committing_ must be reset
  std::uint64_t posted = 0;
  for (Item* item : batch) {
    if (!item->committed) {
      waited.push_back(item);
      continue;
    }
    try {
      item->committed(item->error);
    } catch (...) {
      // Callbacks must not throw; one that does cannot stop the others or the next batch.
    }
    delete item;
    ++posted;
  }
  lock.lock();
  for (Item* item : waited) item->done = true;
  endedSeq_ += posted;
  committing_ = false;
  committed_.notify_all();
}

void GroupCommit::commitBatch(std::vector<Item*>& batch) {
  // Outcomes are committed without waiting for the disk (SQLite WAL with synchronous=NORMAL,
  // PostgreSQL synchronous_commit=off: durable against a killed process, not against a power cut
  // or a server crash), then the connection is back to waiting for the disk for intents.
  // Losing an outcome to a power cut is safe by construction: the record is pending again, and a
  // pending record is looked up by correlation_id before anything is posted (IncidentSink), so
  // the incident is adopted, never created twice. An intent is different (without it a POST
  // could leave no trace), so intents keep the full wait.
  //
  // The batch is first written whole in one transaction. A savepoint per write is kept for a
  // batch in which one fails: a savepoint costs SQLite a copy of every page the write touches,
  // kept in a temporary file (measured: 26 of an outcome's 34 write calls), and PostgreSQL a
  // subtransaction each, hundreds in one transaction. Each write is SQL alone, so after a
  // failure the batch is rolled back and written again, a savepoint each, and only the failing
  // write is lost.
  try {
    Transaction transaction(db_, Transaction::Durability::Relaxed);
    for (Item* item : batch) item->write();
    transaction.commit();
    return;
  } catch (...) {
    // Rolled back whole (the Transaction's destructor); written again below.
  }
  try {
    Transaction transaction(db_, Transaction::Durability::Relaxed);
    for (Item* item : batch) {
      db_.exec("SAVEPOINT outcome");
      try {
        item->write();
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
