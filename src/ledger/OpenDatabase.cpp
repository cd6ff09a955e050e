#include "ledger/Database.h"
#include "ledger/PostgresModule.h"
#include "ledger/SqliteDatabase.h"

namespace evalbridge {

std::unique_ptr<Database> openDatabase(const std::string& location, const std::string& password) {
  if (isPostgresLocation(location)) return openPostgresDatabase(location, password);
  return std::make_unique<SqliteDatabase>(location);
}

std::unique_ptr<Database> openDatabaseForReading(const std::string& location, const std::string& password) {
  if (isPostgresLocation(location)) return openPostgresDatabase(location, password);
  return std::make_unique<SqliteDatabase>(location, SqliteDatabase::Access::ReadOnly);
}

}  // namespace evalbridge
