#pragma once
// `evalbridge ledger migrate --to postgresql://...`: copies every record of one ledger into
// another (in practice the embedded SQLite file into the PostgreSQL database replicas will share),
// both first brought to the newest schema. Each table is copied in one transaction of the
// destination, row by row, with ON CONFLICT DO NOTHING, so a second run (or a run after an
// interrupted one) adds only what is missing and changes nothing else; then the row counts of
// every table are compared. Runtime state (leases, replica heartbeats, schema bookkeeping) is not
// copied. Stop `evalbridge run` on the source first: rows written during the copy may be missed.
#include <string>
#include <vector>

namespace evalbridge {

class Database;

struct TableCopy {
  std::string table;
  long long sourceRows = 0;
  long long added = 0;            // rows the destination did not have
  long long destinationRows = 0;  // after the copy
  bool matches() const { return sourceRows == destinationRows; }
};

// The ledger's data tables, parents before children (foreign keys).
const std::vector<std::string>& ledgerDataTables();

std::vector<TableCopy> copyLedger(Database& source, Database& destination);

}  // namespace evalbridge
