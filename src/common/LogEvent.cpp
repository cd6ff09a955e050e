#include "common/LogEvent.h"

namespace evalbridge {

const std::vector<std::string>& logFieldNames() {
  static const std::vector<std::string> names = {"org", "evaluationId", "incident", "state", "source", "requestId",
                                                 "status", "event", "replica"};
  return names;
}

void logEvent(Poco::Logger& logger, Poco::Message::Priority priority, const std::string& text,
              const LogFields& fields) {
  if (!logger.is(priority)) return;
  Poco::Message message(logger.name(), text, priority);
  for (const auto& [name, value] : fields)
    if (!value.empty()) message.set(name, value);
  logger.log(message);
}

}  // namespace evalbridge
