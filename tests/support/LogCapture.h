#pragma once
// Records every message logged to one logger (and its requestId field) while it is alive.
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

namespace evalbridge::test {

class LogCapture : public Poco::Channel {
 public:
  explicit LogCapture(const std::string& loggerName) : logger_(Poco::Logger::get(loggerName)) {
    previous_ = logger_.getChannel();
    previousLevel_ = logger_.getLevel();
    logger_.setChannel(this);
    logger_.setLevel(Poco::Message::PRIO_INFORMATION);
    duplicate();  // the logger holds a reference to this stack object: never let it delete it
  }
  ~LogCapture() override {
    logger_.setChannel(previous_);
    logger_.setLevel(previousLevel_);
  }
  void log(const Poco::Message& message) override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back({message.getText(), message.get("requestId", "")});
  }
  std::vector<std::pair<std::string, std::string>> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  Poco::Logger& logger_;
  Poco::Channel::Ptr previous_;
  int previousLevel_ = 0;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> lines_;
};

}  // namespace evalbridge::test
