#include "app/Logging.h"

#include <cctype>
#include <memory>
#include <mutex>
#include <sstream>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Formatter.h>
#include <Poco/FormattingChannel.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

#include "common/Errors.h"
#include "common/LogEvent.h"
#include "config/Redaction.h"

namespace evalbridge {
namespace {

// Shared by every formatter; replaced once the configuration (and so the secrets) is known.
std::mutex redactorMutex;
std::shared_ptr<const Redactor> activeRedactor;

std::shared_ptr<const Redactor> currentRedactor() {
  std::lock_guard<std::mutex> lock(redactorMutex);
  return activeRedactor;
}

const char* levelName(Poco::Message::Priority priority) {
  switch (priority) {
    case Poco::Message::PRIO_FATAL:
    case Poco::Message::PRIO_CRITICAL:
    case Poco::Message::PRIO_ERROR: return "error";
    case Poco::Message::PRIO_WARNING: return "warning";
    case Poco::Message::PRIO_NOTICE:
    case Poco::Message::PRIO_INFORMATION: return "info";
    default: return "debug";
  }
}

class LogLineFormatter : public Poco::Formatter {
 public:
  explicit LogLineFormatter(LogFormat format) : format_(format) {}

  void format(const Poco::Message& message, std::string& text) override {
    const auto redactor = currentRedactor();
    auto clean = [&redactor](const std::string& value) { return redactor ? (*redactor)(value) : value; };
    const std::string time = Poco::DateTimeFormatter::format(message.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ");
    if (format_ == LogFormat::Json) {
      // Insertion order is kept (preserveInsertionOrder), so every line reads the same way.
      Poco::JSON::Object line(Poco::JSON_PRESERVE_KEY_ORDER);
      line.set("time", time);
      line.set("level", levelName(message.getPriority()));
      line.set("logger", message.getSource());
      line.set("message", clean(message.getText()));
      for (const auto& name : logFieldNames())
        if (message.has(name)) line.set(name, clean(message.get(name)));
      std::ostringstream out;
      line.stringify(out);
      text = out.str();
      return;
    }
    text = time + " " + std::string(1, static_cast<char>(std::toupper(levelName(message.getPriority())[0]))) + " " +
           message.getSource() + ": " + clean(message.getText());
    for (const auto& name : logFieldNames())
      if (message.has(name)) text += " " + name + "=" + clean(message.get(name));
  }

 private:
  LogFormat format_;
};

}  // namespace

void setUpLogging(LogLevel level, LogFormat format) {
  Poco::AutoPtr<Poco::Formatter> formatter(new LogLineFormatter(format));
  Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel);  // writes to std::clog (stderr)
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, console));
  int priority = level == LogLevel::Verbose ? Poco::Message::PRIO_DEBUG
                 : level == LogLevel::Quiet ? Poco::Message::PRIO_WARNING
                                            : Poco::Message::PRIO_INFORMATION;
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::root().setLevel(priority);
  Poco::Logger::setLevel("", priority);
  Poco::Logger::setChannel("", channel);
}

LogFormat logFormatFrom(const std::optional<std::string>& value) {
  if (!value || *value == "text") return LogFormat::Text;
  if (*value == "json") return LogFormat::Json;
  throw UsageError("--log-format: '" + *value + "' must be text or json");
}

void redactLogsWith(const Redactor& redactor) {
  auto copy = std::make_shared<const Redactor>(redactor);
  std::lock_guard<std::mutex> lock(redactorMutex);
  activeRedactor = std::move(copy);
}

std::string redactedForOutput(const std::string& text) {
  auto redactor = currentRedactor();
  return redactor ? (*redactor)(text) : text;
}

}  // namespace evalbridge
