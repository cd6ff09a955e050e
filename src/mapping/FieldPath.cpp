#include "mapping/FieldPath.h"

#include <typeinfo>

#include <Poco/JSON/Array.h>

namespace evalbridge {
namespace mapping {

namespace {

bool isNameChar(char ch) {
  auto c = static_cast<unsigned char>(ch);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '$' || c == '@' || c >= 0x80;
}

const Poco::JSON::Object* asObject(const Poco::Dynamic::Var& var) {
  const std::type_info& t = var.type();
  if (t == typeid(Poco::JSON::Object::Ptr)) return var.extract<Poco::JSON::Object::Ptr>().get();
  if (t == typeid(Poco::JSON::Object)) return &var.extract<Poco::JSON::Object>();
  return nullptr;
}

const Poco::JSON::Array* asArray(const Poco::Dynamic::Var& var) {
  const std::type_info& t = var.type();
  if (t == typeid(Poco::JSON::Array::Ptr)) return var.extract<Poco::JSON::Array::Ptr>().get();
  if (t == typeid(Poco::JSON::Array)) return &var.extract<Poco::JSON::Array>();
  return nullptr;
}

constexpr std::size_t kMaxIndexDigits = 9;

}  // namespace

bool FieldPath::parse(const std::string& text, FieldPath& out, SyntaxError& error) {
  out = FieldPath();
  out.text_ = text;
  if (text.empty()) {
    error = {"empty path", 0};
    return false;
  }
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (true) {
    // NAME
    std::size_t start = i;
    while (i < n && isNameChar(text[i])) ++i;
    if (i == start) {
      if (i == n || text[i] == '.')
        error = {"empty segment", i};
      else if (text[i] == '[')
        error = {"index without a name before it", i};
      else
        error = {std::string("invalid character '") + text[i] + "'", i};
      return false;
    }
    Step step;
    step.key = text.substr(start, i - start);
    out.steps_.push_back(std::move(step));
    // ("[" DIGITS "]")*
    while (i < n && text[i] == '[') {
      std::size_t open = i++;
      std::size_t digitsStart = i;
      while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
      if (i == n) {
        error = {"unclosed '['", open};
        return false;
      }
      if (i == digitsStart || text[i] != ']') {
        error = {"index must be a non-negative integer", i};
        return false;
      }
      if (i - digitsStart > kMaxIndexDigits) {
        error = {"index too large", digitsStart};
        return false;
      }
      Step idx;
      idx.isIndex = true;
      idx.index = static_cast<std::size_t>(std::stoul(text.substr(digitsStart, i - digitsStart)));
      out.steps_.push_back(std::move(idx));
      ++i;  // ']'
    }
    if (i == n) return true;
    if (text[i] != '.') {
      error = {std::string("invalid character '") + text[i] + "'", i};
      return false;
    }
    ++i;  // '.'
  }
}

Value FieldPath::lookup(const Poco::JSON::Object& root) const {
  try {
    Poco::Dynamic::Var current;
    const Poco::JSON::Object* object = &root;
    for (std::size_t s = 0; s < steps_.size(); ++s) {
      const Step& step = steps_[s];
      if (!step.isIndex) {
        if (object == nullptr) return Value::of(Poco::Dynamic::Var(), false);
        Poco::Dynamic::Var next = object->get(step.key);
        if (next.isEmpty()) return Value::of(next, object->has(step.key));
        current.swap(next);
      } else {
        const Poco::JSON::Array* array = asArray(current);
        if (array == nullptr || step.index >= array->size()) return Value::of(Poco::Dynamic::Var(), false);
        Poco::Dynamic::Var next = array->get(static_cast<unsigned>(step.index));
        if (next.isEmpty()) return Value::of(next, true);
        current.swap(next);
      }
      object = asObject(current);
    }
    return Value::of(current, true);
  } catch (...) {
    return Value::of(Poco::Dynamic::Var(), false);
  }
}

}  // namespace mapping
}  // namespace evalbridge
