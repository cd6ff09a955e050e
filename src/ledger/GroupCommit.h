#pragma once
// Group commit for the ledger's outcome writes. With synchronous=FULL each commit waits for the
// disk (an fsync), and the delivery workers record outcomes concurrently; committing them one by
// one would make the disk, not ServiceNow, the limit. Writes that arrive while a commit is in
// progress are written together in the next transaction; only a batch in which a write fails is
// written again with a savepoint each. A write may therefore run twice, the first run rolled
// back: it must do nothing but write to the database.
//
// run() returns once the caller's write is committed, as with a transaction of its own; a write
// that fails is rolled back alone and its exception rethrown to its caller, the others still
// commit. post() does not wait: the write joins the next batch and its callback says how it
// ended. A delivery worker that posts goes on to its next request while the commit gathers the
// outcomes of many workers (measured: about 4.5 outcomes per commit when every worker waited for
// its own, and each commit rewrites the pages it touched, so small batches cost WAL writes).
// Outcome commits do not wait for an fsync (see commitBatch: an outcome lost to a power cut is
// recovered by the correlation lookup); intents, written elsewhere, always do.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace evalbridge {

class Database;

class GroupCommit {
 public:
  // Called once a posted write has ended: nullptr when it is committed, else its failure. Runs
  // on the thread that committed the batch, after the commit; it must not call back in here.
  using Committed = std::function<void(std::exception_ptr)>;

  explicit GroupCommit(Database& db);
  ~GroupCommit();  // commits what was posted, then stops its thread
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Must not be called while holding the database's mutex (e.g. inside a Transaction).
  void run(const std::function<void()>& write);
  // Queues `write` for the next batch and returns; blocks only while kMaxPosted writes wait (so
  // memory stays bounded when the disk is slower than the workers).
  void post(std::function<void()> write, Committed committed);
  // Waits until every write posted before the call has ended and its callback has run.
  void flush();

  static constexpr std::size_t kMaxPosted = 1024;

 private:
  struct Item {
    std::function<void()> write;
    Committed committed;  // set for posted writes
    std::exception_ptr error;
    bool done = false;
  };
  // Commits everything waiting, with `lock` held on entry and exit (released while writing).
  void commitWaiting(std::unique_lock<std::mutex>& lock);
  void commitBatch(std::vector<Item*>& batch);
  void commitPosted();  // the committer thread: commits posted writes as they come

  Database& db_;
  std::mutex mutex_;
  std::condition_variable committed_;  // a batch ended
  std::condition_variable posted_;     // a write was posted, or stopping_
  std::vector<Item*> waiting_;
  bool committing_ = false;
  // Posted writes are numbered as they come; batches end in that order (one commits at a time,
  // taking everything waiting), so "ended up to n" says which have ended.
  std::uint64_t postedSeq_ = 0;
  std::uint64_t endedSeq_ = 0;  // callbacks run
  bool stopping_ = false;
  std::thread committer_;  // started by the first post()
};

}  // namespace evalbridge
