#include "mapping/JsonReader.h"

#include <set>
#include <vector>

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include "common/Errors.h"
#include "mapping/Value.h"

namespace evalbridge {
namespace mapping {

namespace {

// ParseHandler that also knows the JSON path of where it is, to name duplicate keys.
class StrictHandler : public Poco::JSON::ParseHandler {
 public:
  StrictHandler() : Poco::JSON::ParseHandler(true) {}

  void reset() override {
    ParseHandler::reset();
    frames_.clear();
    duplicate_.clear();
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
      Frame& f = frames_.back();
      if (!f.keys.insert(k).second && duplicate_.empty()) duplicate_ = f.path + ": duplicate key '" + k + "'";
      f.key = k;
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

  const std::string& duplicate() const {
    return duplicate_;
  }
  const std::string& rootScalar() const {
    return rootScalar_;
  }

 private:
  struct Frame {
    bool isArray = false;
    std::size_t count = 0;  // arrays: elements seen
    std::string key;        // objects: the current key
    std::set<std::string> keys;
    std::string path;
  };

  std::string nextPath() {
    if (frames_.empty()) return "$";
    Frame& parent = frames_.back();
    if (parent.isArray) return indexPath(parent.path, parent.count++);
    return childPath(parent.path, parent.key);
  }
  void open(bool isArray) {
    Frame f;
    f.isArray = isArray;
    f.path = nextPath();
    frames_.push_back(std::move(f));
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
  std::string duplicate_;
  std::string rootScalar_;
};

}  // namespace

Poco::Dynamic::Var readJson(const std::string& text) {
  Poco::SharedPtr<StrictHandler> handler = new StrictHandler;
  Poco::JSON::Parser parser(handler);
  Poco::Dynamic::Var result;
  try {
    result = parser.parse(text);
  } catch (const Poco::Exception& e) {
    std::string msg = e.message().empty() ? e.displayText() : e.message();
    throw ConfigError("invalid JSON: " + msg);
  }
  if (!handler->rootScalar().empty())
    throw ConfigError("$: a mapping must be a JSON object, got " + handler->rootScalar());
  if (!handler->duplicate().empty()) throw ConfigError(handler->duplicate());
  return result;
}

}  // namespace mapping
}  // namespace evalbridge
