#pragma once
// A write transaction from construction (SQLite: BEGIN IMMEDIATE, taking the write lock up front,
// so two writers never deadlock on upgrade); ROLLBACK in the destructor unless commit() was
// called. Holds the connection's mutex for its lifetime.
#include <mutex>

namespace evalbridge {

class Database;

class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool done_ = false;
};

}  // namespace evalbridge
