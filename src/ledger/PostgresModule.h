#pragma once
// The PostgreSQL backend is a module of its own, evalbridge-postgresql.so, loaded the first time a
// postgresql:// ledger is opened. It is the only code that links libpq, and libpq brings GnuTLS,
// Kerberos, LDAP and p11-kit: about 3.5 MB of resident pages that a bridge on a SQLite ledger
// (most installations) would otherwise map and relocate at every start.
#include <memory>
#include <string>

#include "ledger/Database.h"

namespace evalbridge {

// Loads the module (once per process) and opens a connection. The module is looked for, in
// order: at $EVALBRIDGE_POSTGRES_MODULE alone when it is set (an absolute path, else a
// LedgerError); else beside the executable, then in <executable's folder>/../lib/evalbridge/ (the
// installed and container layout). A missing module, a libpq that will not load, or a module from
// another build is a LedgerError naming the file and the fix.
std::unique_ptr<Database> openPostgresDatabase(const std::string& url, const std::string& password);

// For --version: the module's path and build tag once it loads, or why it would not (never throws).
std::string describePostgresModule();

}  // namespace evalbridge
