#pragma once
// One exception family for the whole bridge. Retry loops retry TransientError only; everything
// else is final. ConfigError maps to exit code 2, the rest of the family to exit code 1.
#include <exception>
#include <string>

#include <Poco/Exception.h>

namespace evalbridge {

POCO_DECLARE_EXCEPTION(, EvalbridgeError, Poco::RuntimeException)
// Worth trying again later: timeouts, resets, 408/425/429/5xx.
POCO_DECLARE_EXCEPTION(, TransientError, EvalbridgeError)
// Trying again will not help until a person changes something: 400/401/403/404/422, bad data.
POCO_DECLARE_EXCEPTION(, PermanentError, EvalbridgeError)
// A service refused evalbridge itself (its credentials), not the request: the same answer awaits
// every request until a person fixes the configuration or the account.
POCO_DECLARE_EXCEPTION(, AccessRefused, PermanentError)
// Bad configuration or mapping file; the message names the file, the key and the problem.
POCO_DECLARE_EXCEPTION(, ConfigError, EvalbridgeError)
// A command line that does not parse (exit code 2, like ConfigError).
POCO_DECLARE_EXCEPTION(, UsageError, ConfigError)

// What went wrong, in words, for a log line or a report: a Poco exception's message (its what()
// is only the class's name, "permanent error"), or what() of any other exception.
std::string errorText(const std::exception& e);

}  // namespace evalbridge
