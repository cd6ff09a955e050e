#include "ledger/LedgerCopy.h"

#include "ledger/Database.h"
#include "ledger/Statement.h"
#include "ledger/Transaction.h"

namespace evalbridge {
namespace {

long long countRows(Database& db, const std::string& table) {
  Statement count(db, "SELECT COUNT(*) FROM " + table);
  return count.step() ? count.integer(0) : 0;
}

// Identity columns take copied values as they are; PostgreSQL's sequence behind each must then
// move past them, or the next row the bridge adds would collide with a copied one.
void advanceIdentity(Database& db, const std::string& table, const std::string& column) {
  if (db.backend() != LedgerBackend::Postgres) return;
  db.exec("SELECT setval(pg_get_serial_sequence('" + table + "', '" + column + "'), COALESCE((SELECT MAX(" + column +
          ") FROM " + table + "), 0) + 1, false)");
}

TableCopy copyTable(Database& source, Database& destination, const std::string& table) {
  TableCopy copy;
  copy.table = table;
  Statement rows(source, "SELECT * FROM " + table);
  Transaction transaction(destination);
  std::string insert;
  while (rows.step()) {
    const int columns = rows.columnCount();
    if (insert.empty()) {
      std::string names, marks;
      for (int i = 0; i < columns; ++i) {
        names += (i ? ", " : "") + rows.columnName(i);
        marks += i ? ", ?" : "?";
      }
      insert = "INSERT INTO " + table + " (" + names + ") VALUES (" + marks + ") ON CONFLICT DO NOTHING";
    }
    Statement add(destination, insert);
    // As text: each engine reads it into the column's own type.
    for (int i = 0; i < columns; ++i) add.bind(i + 1, rows.optionalText(i));
    add.run();
    copy.added += destination.changes();
    ++copy.sourceRows;
  }
  if (table == "history") advanceIdentity(destination, table, "id");
  if (table == "ledger_orgs") advanceIdentity(destination, table, "org_key");
  if (table == "skip_reasons") advanceIdentity(destination, table, "reason_key");
  transaction.commit();
  copy.destinationRows = countRows(destination, table);
  return copy;
}

}  // namespace

const std::vector<std::string>& ledgerDataTables() {
  static const std::vector<std::string> tables = {
      "evaluations",     "checkpoints",    "history",      "incident_poll_cursor", "writeback_rows",
      "webhook_deliveries", "pruned_records", "ledger_orgs", "skip_reasons",         "skipped_records"};
  return tables;
}

std::vector<TableCopy> copyLedger(Database& source, Database& destination) {
  std::vector<TableCopy> copies;
  for (const auto& table : ledgerDataTables()) copies.push_back(copyTable(source, destination, table));
  return copies;
}

}  // namespace evalbridge
