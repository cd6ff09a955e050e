#pragma once
// Group commit for the ledger's outcome writes. With synchronous=FULL each commit waits for the
// disk (an fsync), and the delivery workers record outcomes concurrently; committing them one by
// one would make the disk, not ServiceNow, the limit. Callers that arrive while a commit is in
// progress are written together in the next transaction, each in its own savepoint.
//
// run() returns once the caller's write is committed, as with a transaction of its own; a write
// that fails is rolled back alone and its exception rethrown to its caller, the others still
// commit. Outcome commits do not wait for an fsync (see commitBatch: an outcome lost to a power
// cut is recovered by the correlation lookup); intents, written elsewhere, always do.
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

namespace evalbridge {

class Database;

class GroupCommit {
 public:
  explicit GroupCommit(Database& db);
  // Must not be called while holding the database's mutex (e.g. inside a Transaction).
  void run(const std::function<void()>& write);

 private:
  struct Item {
    const std::function<void()>* write;
    std::exception_ptr error;
    bool done = false;
  };
  void commitBatch(std::vector<Item*>& batch);

  Database& db_;
  std::mutex mutex_;
  std::condition_variable committed_;
  std::vector<Item*> waiting_;
  bool committing_ = false;
};

}  // namespace evalbridge
