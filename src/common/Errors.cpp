#include "common/Errors.h"

#include <typeinfo>

namespace evalbridge {

POCO_IMPLEMENT_EXCEPTION(EvalbridgeError, Poco::RuntimeException, "evalbridge error")
POCO_IMPLEMENT_EXCEPTION(TransientError, EvalbridgeError, "transient error")
POCO_IMPLEMENT_EXCEPTION(PermanentError, EvalbridgeError, "permanent error")
POCO_IMPLEMENT_EXCEPTION(ConfigError, EvalbridgeError, "configuration error")
POCO_IMPLEMENT_EXCEPTION(UsageError, ConfigError, "usage error")

}  // namespace evalbridge
