#include "app/DoctorLedger.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <Poco/Path.h>

#include "common/Errors.h"
#include "config/Config.h"
#include "ledger/Database.h"
#include "ledger/Migrations.h"
#include "ledger/Statement.h"

namespace evalbridge {
namespace {

const char* const kSubject = "ledger";

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// One line: libpq's messages go on over several ("...refused\n\tIs the server running...").
std::string oneLine(const std::string& text) {
  std::string line;
  bool space = false;
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !line.empty();
      continue;
    }
    if (space) line += ' ';
    space = false;
    line += c;
  }
  return line;
}

DoctorCheck versionCheck(Database& db, const std::string& where) {
  const int newest = embeddedMigrations(db.backend()).back().version;
  if (db.backend() == LedgerBackend::Postgres) {
    // The migrations create unqualified tables: with no usable schema on the search_path the
    // first start would fail (3F000), though no table is missing yet.
    Statement schema(db, "SELECT CASE WHEN current_schema() IS NULL THEN 0 ELSE 1 END");
    if (schema.step() && schema.integer(0) == 0)
      return DoctorCheck::fail(kSubject, "schema", where + ": the role's search_path names no schema it can use",
                               "create the schema, or set the role's search_path (ALTER ROLE ... SET search_path), "
                               "so that the first start can create its tables.");
  }
  const std::optional<int> version = recordedSchemaVersion(db);
  if (!version)
    return DoctorCheck::ok(kSubject, "schema", where + " has no tables yet: the first sync or run creates them (version " +
                                                   std::to_string(newest) + ")");
  if (*version > newest)
    return DoctorCheck::fail(kSubject, "schema",
                             where + " has schema version " + std::to_string(*version) +
                                 ", newer than this evalbridge knows (" + std::to_string(newest) + ")",
                             "run the evalbridge that wrote it, or a newer one: this one refuses to open it.");
  if (*version < newest)
    return DoctorCheck::ok(kSubject, "schema", "version " + std::to_string(*version) + ": migrated to " +
                                                   std::to_string(newest) + " in place at the next start (nothing is lost)");
  return DoctorCheck::ok(kSubject, "schema", "version " + std::to_string(*version) + " (current)");
}

// The recorded version against this binary's newest migration; a read that fails is a finding.
DoctorCheck schemaCheck(Database& db, const std::string& where) {
  try {
    return versionCheck(db, where);
  } catch (const Poco::Exception& e) {
    return DoctorCheck::fail(kSubject, "schema", oneLine(e.message()),
                             "check that " + where + " is an evalbridge ledger that this user may read and write.");
  }
}

DoctorChecks checkSqlite(const std::string& path) {
  DoctorChecks checks;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (error != ENOENT) {
      checks.push_back(DoctorCheck::fail(kSubject, "file", path + " cannot be read: " + std::strerror(error),
                                         "give the user that runs evalbridge access to " + path +
                                             " and its folder, or set ledger.path."));
      return checks;
    }
    const std::string folder = Poco::Path(path).parent().toString();
    const std::string shown = folder.empty() ? "." : folder;
    if (::access(shown.c_str(), W_OK | X_OK) != 0) {
      checks.push_back(DoctorCheck::fail(kSubject, "file", path + " does not exist, and its folder " + shown +
                                                               " is missing or not writable by this user",
                                         "create " + shown + " for the user that runs evalbridge, or set ledger.path."));
    } else {
      checks.push_back(DoctorCheck::ok(kSubject, "file", path + " does not exist yet: the first sync or run creates it "
                                                         "(owner-only); its folder is writable by this user"));
    }
    return checks;
  }
  if (!S_ISREG(info.st_mode)) {
    checks.push_back(DoctorCheck::fail(kSubject, "file", path + " is not a file",
                                       "set ledger.path to a file (it is created at the first sync)."));
    return checks;
  }
  if ((info.st_mode & 077) != 0) {
    checks.push_back(DoctorCheck::fail(kSubject, "file", path + " has mode " + octal(info.st_mode) +
                                                         ": others can read names, comments and scores",
                                       "chmod 600 " + path + " (and its -wal and -shm files)"));
  } else {
    checks.push_back(DoctorCheck::ok(kSubject, "file", path + " (mode " + octal(info.st_mode) + ")"));
  }
  try {
    auto db = openDatabaseForReading(path);
    checks.push_back(schemaCheck(*db, path));
  } catch (const Poco::Exception& e) {
    checks.push_back(DoctorCheck::fail(kSubject, "schema", oneLine(e.message()),
                                       "check that " + path + " is an evalbridge ledger that this user may read."));
  }
  return checks;
}

DoctorChecks checkPostgres(const std::string& url, const std::string& password) {
  DoctorChecks checks;
  std::unique_ptr<Database> db;
  try {
    db = openDatabaseForReading(url, password);
  } catch (const Poco::Exception& e) {
    // The loader's and libpq's messages name the module or the server, never the password.
    checks.push_back(DoctorCheck::fail(kSubject, "connection", oneLine(e.message()),
                                       "check ledger.url (host, port, database, user, sslmode), ledger.password and "
                                       "that the server accepts this role; `evalbridge --version` shows the module."));
    checks.push_back(DoctorCheck::skipped(kSubject, "schema", "needs a connection"));
    return checks;
  }
  checks.push_back(DoctorCheck::ok(kSubject, "connection", "connected to " + db->path()));
  checks.push_back(schemaCheck(*db, db->path()));
  return checks;
}

}  // namespace

DoctorChecks checkLedger(const Config& config) {
  if (isPostgresLocation(config.ledgerPath)) return checkPostgres(config.ledgerPath, config.ledgerPassword);
  return checkSqlite(config.ledgerPath);
}

}  // namespace evalbridge
