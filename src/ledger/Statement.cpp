#include "ledger/Statement.h"

#include "ledger/Database.h"

namespace evalbridge {

Statement::Statement(Database& db, const std::string& sql)
    : db_(db), lock_(db.mutex()), sql_(sql), stmt_(db.take(sql)) {}

Statement::~Statement() { db_.give(sql_, stmt_); }

Statement& Statement::bind(int index, const std::string& value) {
  stmt_->bindText(index, value);
  return *this;
}

Statement& Statement::bind(int index, const char* value) { return bind(index, std::string(value)); }

Statement& Statement::bind(int index, std::int64_t value) {
  stmt_->bindInteger(index, value);
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bindNull(int index) {
  stmt_->bindNull(index);
  return *this;
}

bool Statement::step() { return stmt_->step(); }

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() { stmt_->reset(); }

bool Statement::isNull(int column) const { return stmt_->isNull(column); }

std::string Statement::text(int column) const { return stmt_->text(column); }

std::optional<std::string> Statement::optionalText(int column) const {
  if (isNull(column)) return std::nullopt;
  return text(column);
}

std::int64_t Statement::integer(int column) const { return stmt_->integer(column); }

std::optional<std::int64_t> Statement::optionalInteger(int column) const {
  if (isNull(column)) return std::nullopt;
  return integer(column);
}

int Statement::columnCount() const { return stmt_->columnCount(); }

std::string Statement::columnName(int column) const { return stmt_->columnName(column); }

}  // namespace evalbridge
