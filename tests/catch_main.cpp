#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <Poco/Exception.h>

#include <cstdlib>

// Poco's what() is only the exception's class name; the message people read is displayText().
CATCH_TRANSLATE_EXCEPTION(const Poco::Exception& e) { return e.displayText(); }

// The test executables are not beside the PostgreSQL module (ledger/PostgresModule.h): name the
// one built with them, unless the environment already names one. Child processes inherit it.
static const int kPostgresModuleNamed = ::setenv("EVALBRIDGE_POSTGRES_MODULE", EVALBRIDGE_POSTGRES_MODULE_FILE, 0);
