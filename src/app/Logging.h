#pragma once
// Logs go to stderr (people's output goes to stdout), one line per event, through named Poco
// loggers ("evalbridge.sink", "evalbridge.genesys", ...).
#include <string>

namespace evalbridge {

enum class LogLevel { Quiet, Normal, Verbose };
void setUpLogging(LogLevel level);

}  // namespace evalbridge
