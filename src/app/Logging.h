#pragma once
// Logs go to stderr (people's output goes to stdout), one line per event, through named Poco
// loggers ("evalbridge.sink", "evalbridge.daemon", ...). Two formats:
//   text: 2026-11-01T10:00:00Z I evalbridge.daemon: cycle ok: ... org=acme-us requestId=...
//   json: {"time":"...","level":"info","logger":"evalbridge.daemon","message":"...","org":"acme-us",...}
// The fields are those set with logEvent() (common/LogEvent.h). Every configured secret is
// replaced by "***" in every line once redactLogsWith() was called (after the config is read).
#include <optional>
#include <string>

namespace evalbridge {

class Redactor;

enum class LogLevel { Quiet, Normal, Verbose };
enum class LogFormat { Text, Json };

void setUpLogging(LogLevel level, LogFormat format = LogFormat::Text);

// "text" (default) or "json"; UsageError for anything else.
LogFormat logFormatFrom(const std::optional<std::string>& value);

void redactLogsWith(const Redactor& redactor);

// The same replacement for text that does not go through a logger (the CLI's error messages).
std::string redactedForOutput(const std::string& text);

}  // namespace evalbridge
