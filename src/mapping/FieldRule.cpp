#include "mapping/FieldRule.h"

#include <typeinfo>

#include <Poco/JSON/Array.h>

#include "common/Errors.h"
#include "mapping/Value.h"

namespace evalbridge {
namespace mapping {

namespace {

[[noreturn]] void fail(const std::string& jsonPath, const std::string& reason) {
  throw ConfigError(jsonPath + ": " + reason);
}

std::string literalText(const Poco::Dynamic::Var& var, const std::string& jsonPath) {
  Literal lit;
  if (!Literal::from(var, lit)) fail(jsonPath, "must be a string, number or boolean, got " + jsonTypeName(var));
  return lit.text;
}

}  // namespace

FieldRule FieldRule::parse(const Poco::Dynamic::Var& node, const std::string& jsonPath) {
  FieldRule rule;
  const std::type_info& type = node.type();
  if (type == typeid(std::string)) {
    rule.kind_ = Kind::Template;
    rule.template_ = Template::parse(node.extract<std::string>(), jsonPath);
    return rule;
  }
  if (type != typeid(Poco::JSON::Object::Ptr)) {
    Literal lit;
    if (!Literal::from(node, lit))
      fail(jsonPath,
           "must be a string (template), number, boolean, or an object with 'from' and 'map' or "
           "'ranges', got " +
               jsonTypeName(node));
    rule.kind_ = Kind::Literal;
    rule.literal_ = lit.text;
    return rule;
  }

  const Poco::JSON::Object::Ptr obj = node.extract<Poco::JSON::Object::Ptr>();
  std::vector<std::string> keys;
  obj->getNames(keys);
  for (const std::string& k : keys) {
    if (k != "from" && k != "map" && k != "ranges" && k != "default")
      fail(jsonPath, "unknown key '" + k + "' (allowed: from, map, ranges, default)");
  }
  if (!obj->has("from")) fail(jsonPath, "missing 'from' (the path whose value is looked up)");
  const bool hasMap = obj->has("map"), hasRanges = obj->has("ranges");
  if (hasMap && hasRanges) fail(jsonPath, "has both 'map' and 'ranges'; use one");
  if (!hasMap && !hasRanges) fail(jsonPath, "needs 'map' or 'ranges' next to 'from'");

  const Poco::Dynamic::Var from = obj->get("from");
  const std::string fromPath = childPath(jsonPath, "from");
  if (from.type() != typeid(std::string)) fail(fromPath, "must be a string (a dotted path), got " + jsonTypeName(from));
  FieldPath::SyntaxError err;
  const std::string& fromText = from.extract<std::string>();
  if (!FieldPath::parse(fromText, rule.from_, err))
    fail(fromPath, "bad path '" + fromText + "': " + err.reason + " at offset " + std::to_string(err.offset));

  if (hasMap) {
    rule.kind_ = Kind::Map;
    const std::string mapPath = childPath(jsonPath, "map");
    const Poco::Dynamic::Var map = obj->get("map");
    if (map.type() != typeid(Poco::JSON::Object::Ptr)) fail(mapPath, "must be an object, got " + jsonTypeName(map));
    const Poco::JSON::Object::Ptr table = map.extract<Poco::JSON::Object::Ptr>();
    std::vector<std::string> entries;
    table->getNames(entries);
    if (entries.empty()) fail(mapPath, "must not be empty");
    for (const std::string& k : entries) rule.table_[k] = literalText(table->get(k), childPath(mapPath, k));
  } else {
    rule.kind_ = Kind::Ranges;
    const std::string rangesPath = childPath(jsonPath, "ranges");
    const Poco::Dynamic::Var ranges = obj->get("ranges");
    if (ranges.type() != typeid(Poco::JSON::Array::Ptr))
      fail(rangesPath,
           "must be an array of {\"lt\"|\"le\"|\"gt\"|\"ge\": NUMBER, \"value\": V}, got " + jsonTypeName(ranges));
    const Poco::JSON::Array::Ptr arr = ranges.extract<Poco::JSON::Array::Ptr>();
    if (arr->size() == 0) fail(rangesPath, "must not be empty");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string itemPath = indexPath(rangesPath, i);
      const Poco::Dynamic::Var item = arr->get(static_cast<unsigned>(i));
      if (item.type() != typeid(Poco::JSON::Object::Ptr))
        fail(itemPath, "must be an object like {\"lt\": 50, \"value\": \"1\"}, got " + jsonTypeName(item));
      const Poco::JSON::Object::Ptr r = item.extract<Poco::JSON::Object::Ptr>();
      std::vector<std::string> rkeys;
      r->getNames(rkeys);
      Range range;
      std::string boundKey;
      for (const std::string& k : rkeys) {
        Bound b;
        if (k == "lt")
          b = Bound::Lt;
        else if (k == "le")
          b = Bound::Le;
        else if (k == "gt")
          b = Bound::Gt;
        else if (k == "ge")
          b = Bound::Ge;
        else if (k == "value")
          continue;
        else
          fail(itemPath, "unknown key '" + k + "' (allowed: one of lt, le, gt, ge, and value)");
        if (!boundKey.empty())
          fail(itemPath, "more than one bound ('" + boundKey + "' and '" + k + "'); order the ranges instead");
        boundKey = k;
        range.bound = b;
        const Value limit = Value::of(r->get(k));
        if (limit.kind != Value::Kind::Number)
          fail(childPath(itemPath, k), "must be a number, got " + jsonTypeName(r->get(k)));
        range.limit = limit.number;
      }
      if (boundKey.empty()) fail(itemPath, "needs one of lt, le, gt, ge");
      if (!r->has("value")) fail(itemPath, "missing 'value'");
      range.text = literalText(r->get("value"), childPath(itemPath, "value"));
      rule.ranges_.push_back(std::move(range));
    }
  }
  if (obj->has("default")) rule.default_ = literalText(obj->get("default"), childPath(jsonPath, "default"));
  return rule;
}

void FieldRule::collectPaths(std::vector<const FieldPath*>& out) const {
  if (kind_ == Kind::Template) template_.collectPaths(out);
  if (kind_ == Kind::Map || kind_ == Kind::Ranges) out.push_back(&from_);
}

std::optional<std::string> FieldRule::render(const Poco::JSON::Object& evaluation) const {
  switch (kind_) {
    case Kind::Template:
      return template_.render(evaluation);
    case Kind::Literal:
      return literal_;
    case Kind::Map: {
      const Value v = from_.lookup(evaluation);
      if (!v.absent()) {
        auto it = table_.find(v.text());
        if (it != table_.end()) return it->second;
      }
      return default_;
    }
    case Kind::Ranges: {
      const Value v = from_.lookup(evaluation);
      if (v.kind == Value::Kind::Number) {
        for (const Range& r : ranges_) {
          bool holds = false;
          switch (r.bound) {
            case Bound::Lt:
              holds = v.number < r.limit;
              break;
            case Bound::Le:
              holds = v.number <= r.limit;
              break;
            case Bound::Gt:
              holds = v.number > r.limit;
              break;
            case Bound::Ge:
              holds = v.number >= r.limit;
              break;
          }
          if (holds) return r.text;
        }
      }
      return default_;
    }
  }
  return std::nullopt;
}

}  // namespace mapping
}  // namespace evalbridge
