#pragma once
// A write transaction from construction (SQLite: BEGIN IMMEDIATE, taking the write lock up front,
// so two writers never deadlock on upgrade); ROLLBACK in the destructor unless commit() was
// called. Holds the connection's mutex for its lifetime.
#include <mutex>

namespace evalbridge {

class Database;

class Transaction {
 public:
  // Full: the commit returns once the write is on disk. Relaxed: once it is in the OS (SQLite WAL
  // with synchronous=NORMAL, PostgreSQL synchronous_commit=off), durable against a killed process
  // but not against a power cut or an OS crash. Either way commits land in order: a relaxed
  // commit is lost only with everything committed after it, so it suits writes that a later
  // full commit would make durable, or whose loss only repeats work (a checkpoint, an outcome
  // that the correlation lookup recovers). Intents always use Full.
  enum class Durability { Full, Relaxed };
  explicit Transaction(Database& db, Durability durability = Durability::Full);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool relaxed_ = false;
  bool done_ = false;
  void restoreDurability() noexcept;
};

}  // namespace evalbridge
