#pragma once
// A prepared statement with positional binds (1-based) and typed column reads (0-based). It holds
// the connection's mutex for its lifetime, so callers never lock for a single statement, and it
// comes from (and goes back to) the connection's cache of prepared statements.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace evalbridge {

class Database;
class PreparedStatement;

class Statement {
 public:
  Statement(Database& db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, const char* value);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, const std::optional<std::string>& value);
  Statement& bind(int index, const std::optional<std::int64_t>& value);
  Statement& bindNull(int index);

  // Steps once: true when a row is available, false when done.
  bool step();
  // Steps to completion (for statements without results).
  void run();
  void reset();

  bool isNull(int column) const;
  std::string text(int column) const;  // "" for NULL
  std::optional<std::string> optionalText(int column) const;
  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optionalInteger(int column) const;
  int columnCount() const;
  std::string columnName(int column) const;

 private:
  Database& db_;
  std::unique_lock<std::recursive_mutex> lock_;  // before stmt_: held while the statement is used
  std::string sql_;
  PreparedStatement* stmt_ = nullptr;
};

}  // namespace evalbridge
