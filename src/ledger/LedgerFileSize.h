#pragma once
// How much disk the ledger takes: the database file plus its write-ahead log (-wal), and how much
// of the database file is free pages that SQLite reuses for new rows before it grows the file.
// A prune frees pages but does not shrink the file (see README, Retention): `ledger stats` shows
// both, so an operator can tell "big but mostly reusable" from "still growing". A PostgreSQL
// ledger reports the database's size as the server counts it (no WAL, no free pages).
#include <string>

namespace evalbridge {

class Database;

struct LedgerFileSize {
  std::string path;
  long long databaseBytes = 0;
  long long walBytes = 0;   // 0 when there is no -wal file
  long long freeBytes = 0;  // free pages inside the database file
  long long totalBytes() const { return databaseBytes + walBytes; }
};

LedgerFileSize measureLedgerFile(Database& db);

}  // namespace evalbridge
