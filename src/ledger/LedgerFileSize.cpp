#include "ledger/LedgerFileSize.h"

#include <Poco/Exception.h>
#include <Poco/File.h>

#include <mutex>

#include "ledger/Database.h"
#include "ledger/Statement.h"

namespace evalbridge {
namespace {

long long fileBytes(const std::string& path) {
  try {
    Poco::File file(path);
    return file.exists() ? static_cast<long long>(file.getSize()) : 0;
  } catch (const Poco::Exception&) {
    return 0;  // e.g. ":memory:", or the -wal file vanished after a checkpoint
  }
}

long long pragma(Database& db, const std::string& name) {
  Statement query(db, "PRAGMA " + name);
  return query.step() ? query.integer(0) : 0;
}

}  // namespace

LedgerFileSize measureLedgerFile(Database& db) {
  LedgerFileSize size;
  size.path = db.path();
  if (db.backend() == LedgerBackend::Postgres) {
    // The whole database as the server counts it (tables, indexes, TOAST; its WAL is the
    // server's, shared with other databases, and not counted).
    Statement query(db, "SELECT pg_database_size(current_database())");
    size.databaseBytes = query.step() ? query.integer(0) : 0;
    return size;
  }
  size.databaseBytes = fileBytes(db.path());
  size.walBytes = fileBytes(db.path() + "-wal");
  std::lock_guard<std::recursive_mutex> lock(db.mutex());
  size.freeBytes = pragma(db, "freelist_count") * pragma(db, "page_size");
  return size;
}

}  // namespace evalbridge
