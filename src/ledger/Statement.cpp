#include "ledger/Statement.h"

#include <sqlite3.h>

#include "ledger/Database.h"
#include "ledger/SqliteError.h"

namespace evalbridge {

Statement::Statement(Database& db, const std::string& sql)
    : db_(db), lock_(db.mutex()), sql_(sql), stmt_(db.take(sql)) {}

Statement::~Statement() { db_.give(sql_, stmt_); }

Statement& Statement::bind(int index, const std::string& value) {
  checkSqlite(db_.handle(),
              sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT),
              "ledger: binding text");
  return *this;
}

Statement& Statement::bind(int index, const char* value) { return bind(index, std::string(value)); }

Statement& Statement::bind(int index, std::int64_t value) {
  checkSqlite(db_.handle(), sqlite3_bind_int64(stmt_, index, value), "ledger: binding integer");
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bindNull(int index) {
  checkSqlite(db_.handle(), sqlite3_bind_null(stmt_, index), "ledger: binding null");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  checkSqlite(db_.handle(), rc, "ledger: executing statement");
  return rc == SQLITE_ROW;
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::string Statement::text(int column) const {
  const unsigned char* value = sqlite3_column_text(stmt_, column);
  if (!value) return {};
  return std::string(reinterpret_cast<const char*>(value), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Statement::optionalText(int column) const {
  if (isNull(column)) return std::nullopt;
  return text(column);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> Statement::optionalInteger(int column) const {
  if (isNull(column)) return std::nullopt;
  return integer(column);
}

}  // namespace evalbridge
