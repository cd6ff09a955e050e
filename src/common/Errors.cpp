#include "common/Errors.h"

#include <typeinfo>

namespace evalbridge {

POCO_IMPLEMENT_EXCEPTION(EvalbridgeError, Poco::RuntimeException, "evalbridge error")
POCO_IMPLEMENT_EXCEPTION(TransientError, EvalbridgeError, "transient error")
POCO_IMPLEMENT_EXCEPTION(PermanentError, EvalbridgeError, "permanent error")
POCO_IMPLEMENT_EXCEPTION(AccessRefused, PermanentError, "access refused")
POCO_IMPLEMENT_EXCEPTION(ConfigError, EvalbridgeError, "configuration error")
POCO_IMPLEMENT_EXCEPTION(UsageError, ConfigError, "usage error")

std::string errorText(const std::exception& e) {
  if (const auto* poco = dynamic_cast<const Poco::Exception*>(&e))
    return poco->message().empty() ? poco->displayText() : poco->message();
  return e.what();
}

}  // namespace evalbridge
