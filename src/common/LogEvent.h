#pragma once
// One log line per event, with the identifiers an operator searches for as separate fields
// (org, evaluation id, incident number, request id, ...), not only inside the text. The fields
// travel as Poco::Message parameters; the app's formatter prints them as key=value (text) or as
// JSON members (--log-format json).
#include <string>
#include <utility>
#include <vector>

#include <Poco/Logger.h>
#include <Poco/Message.h>

namespace evalbridge {

using LogFields = std::vector<std::pair<std::string, std::string>>;

// The field names a formatter looks for (Poco 1.11 cannot list a message's parameters).
const std::vector<std::string>& logFieldNames();

// Logs `text` with `fields` (empty values are left out) when the logger's level allows it.
void logEvent(Poco::Logger& logger, Poco::Message::Priority priority, const std::string& text,
              const LogFields& fields);

}  // namespace evalbridge
