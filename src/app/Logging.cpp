#include "app/Logging.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>

namespace evalbridge {

void setUpLogging(LogLevel level) {
  Poco::AutoPtr<Poco::PatternFormatter> formatter(new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%SZ %p %s: %t"));
  formatter->setProperty("times", "UTC");
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

}  // namespace evalbridge
