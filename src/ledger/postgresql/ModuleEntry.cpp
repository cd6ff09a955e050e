// The two functions evalbridge looks up when it loads this module (see ledger/PostgresModule.h).
// C names, so dlsym finds them without mangling; C++ types behind the pointers, which is safe
// because the module and the executable are built together (the ABI tag checks exactly that).
#include <string>

#include "ledger/postgresql/PostgresDatabase.h"

extern "C" {

__attribute__((visibility("default"))) const char* evalbridge_postgresql_abi() { return EVALBRIDGE_MODULE_ABI; }

// A new connection; throws LedgerError as the constructor does.
__attribute__((visibility("default"))) evalbridge::Database* evalbridge_postgresql_open(const std::string* url,
                                                                                        const std::string* password) {
  return new evalbridge::PostgresDatabase(*url, *password);
}
}
