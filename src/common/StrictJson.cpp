#include "common/StrictJson.h"

#include <set>

#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SharedPtr.h>

namespace evalbridge {
namespace {

class StrictHandler : public Poco::JSON::ParseHandler {
 public:
  explicit StrictHandler(bool preserveKeyOrder) : Poco::JSON::ParseHandler(preserveKeyOrder) {}

  void reset() override {
    ParseHandler::reset();
    frames_.clear();
    duplicate_.reset();
    rootScalar_.clear();
  }
  void startObject() override {
    open(false);
    ParseHandler::startObject();
  }
  void endObject() override {
    if (!frames_.empty()) frames_.pop_back();
    ParseHandler::endObject();
  }
  void startArray() override {
    open(true);
    ParseHandler::startArray();
  }
  void endArray() override {
    if (!frames_.empty()) frames_.pop_back();
    ParseHandler::endArray();
  }
  void key(const std::string& k) override {
    if (!frames_.empty()) {
      Frame& frame = frames_.back();
      if (!frame.keys.insert(k).second && !duplicate_) duplicate_ = DuplicateJsonKey{frame.path, k};
      frame.key = k;
    }
    ParseHandler::key(k);
  }
  void null() override {
    if (scalar("null")) ParseHandler::null();
  }
  void value(int v) override {
    if (scalar("a number")) ParseHandler::value(v);
  }
  void value(unsigned v) override {
    if (scalar("a number")) ParseHandler::value(v);
  }
#if defined(POCO_HAVE_INT64)
  void value(Poco::Int64 v) override {
    if (scalar("a number")) ParseHandler::value(v);
  }
  void value(Poco::UInt64 v) override {
    if (scalar("a number")) ParseHandler::value(v);
  }
#endif
  void value(const std::string& v) override {
    if (scalar("a string")) ParseHandler::value(v);
  }
  void value(double v) override {
    if (scalar("a number")) ParseHandler::value(v);
  }
  void value(bool v) override {
    if (scalar("a boolean")) ParseHandler::value(v);
  }

  const std::optional<DuplicateJsonKey>& duplicate() const { return duplicate_; }
  const std::string& rootScalar() const { return rootScalar_; }

 private:
  struct Frame {
    bool isArray = false;
    std::size_t count = 0;  // arrays: elements seen
    std::string key;        // objects: the current key
    std::set<std::string> keys;
    std::vector<JsonPathStep> path;
  };

  // The path of the value that starts now (advances the element count inside arrays).
  std::vector<JsonPathStep> nextPath() {
    if (frames_.empty()) return {};
    Frame& parent = frames_.back();
    std::vector<JsonPathStep> path = parent.path;
    JsonPathStep step;
    if (parent.isArray) {
      step.isIndex = true;
      step.index = parent.count++;
    } else {
      step.key = parent.key;
    }
    path.push_back(std::move(step));
    return path;
  }
  void open(bool isArray) {
    Frame frame;
    frame.isArray = isArray;
    frame.path = nextPath();
    frames_.push_back(std::move(frame));
  }
  // Returns false for a scalar at the top level, which ParseHandler cannot take.
  bool scalar(const char* type) {
    if (frames_.empty()) {
      if (rootScalar_.empty()) rootScalar_ = type;
      return false;
    }
    if (frames_.back().isArray) ++frames_.back().count;
    return true;
  }

  std::vector<Frame> frames_;
  std::optional<DuplicateJsonKey> duplicate_;
  std::string rootScalar_;
};

}  // namespace

StrictJson parseStrictJson(const std::string& text, bool preserveKeyOrder) {
  Poco::SharedPtr<StrictHandler> handler = new StrictHandler(preserveKeyOrder);
  Poco::JSON::Parser parser(handler);
  StrictJson result;
  result.value = parser.parse(text);
  result.duplicate = handler->duplicate();
  result.rootScalarType = handler->rootScalar();
  if (!result.rootScalarType.empty()) result.value = Poco::Dynamic::Var();
  return result;
}

}  // namespace evalbridge
