#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <Poco/Exception.h>

// Poco's what() is only the exception's class name; the message people read is displayText().
CATCH_TRANSLATE_EXCEPTION(const Poco::Exception& e) { return e.displayText(); }
