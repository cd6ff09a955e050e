#include "mapping/Condition.h"

#include <typeinfo>

#include "common/Errors.h"

namespace evalbridge {
namespace mapping {

namespace {

struct OpName {
  const char* name;
  Condition::Op op;
};
constexpr OpName kOps[] = {{"eq", Condition::Op::Eq}, {"ne", Condition::Op::Ne},        {"lt", Condition::Op::Lt},
                           {"le", Condition::Op::Le}, {"gt", Condition::Op::Gt},        {"ge", Condition::Op::Ge},
                           {"in", Condition::Op::In}, {"exists", Condition::Op::Exists}};
constexpr const char* kOpList = "eq, ne, lt, le, gt, ge, in, exists";

const char* opName(Condition::Op op) {
  for (const OpName& o : kOps)
    if (o.op == op) return o.name;
  return "?";
}

bool findOp(const std::string& name, Condition::Op& op) {
  for (const OpName& o : kOps) {
    if (name == o.name) {
      op = o.op;
      return true;
    }
  }
  return false;
}

[[noreturn]] void fail(const std::string& jsonPath, const std::string& reason) {
  throw ConfigError(jsonPath + ": " + reason);
}

Poco::JSON::Object::Ptr asObjectPtr(const Poco::Dynamic::Var& node) {
  if (node.type() == typeid(Poco::JSON::Object::Ptr)) return node.extract<Poco::JSON::Object::Ptr>();
  return Poco::JSON::Object::Ptr();
}

Poco::JSON::Array::Ptr asArrayPtr(const Poco::Dynamic::Var& node) {
  if (node.type() == typeid(Poco::JSON::Array::Ptr)) return node.extract<Poco::JSON::Array::Ptr>();
  return Poco::JSON::Array::Ptr();
}

// -1, 0, 1; or 2 when the two cannot be ordered (different types, missing, ...).
int compare(const Value& value, const Literal& operand) {
  if (operand.kind == Literal::Kind::Number && value.kind == Value::Kind::Number) {
    if (value.number < operand.number) return -1;
    if (value.number > operand.number) return 1;
    if (value.number == operand.number) return 0;
    return 2;  // NaN
  }
  if (operand.kind == Literal::Kind::String && value.kind == Value::Kind::String) {
    int c = value.string().compare(operand.string);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return 2;
}

}  // namespace

std::unique_ptr<Condition> Condition::parse(const Poco::Dynamic::Var& node, const std::string& jsonPath) {
  Poco::JSON::Object::Ptr obj = asObjectPtr(node);
  if (obj.isNull()) fail(jsonPath, "a condition must be an object, got " + jsonTypeName(node));
  std::vector<std::string> keys;
  obj->getNames(keys);
  if (keys.empty())
    fail(jsonPath, std::string("empty condition: expected any, all, not, or field with one of ") + kOpList);

  auto cond = std::make_unique<Condition>();
  for (const char* group : {"any", "all", "not"}) {
    if (!obj->has(group)) continue;
    if (keys.size() != 1) {
      for (const std::string& k : keys)
        if (k != group) fail(jsonPath, "'" + std::string(group) + "' cannot be combined with '" + k + "'");
    }
    const std::string childPathBase = childPath(jsonPath, group);
    Poco::Dynamic::Var value = obj->get(group);
    if (std::string(group) == "not") {
      cond->kind_ = Kind::Not;
      cond->children_.push_back(parse(value, childPathBase));
      return cond;
    }
    cond->kind_ = std::string(group) == "any" ? Kind::Any : Kind::All;
    Poco::JSON::Array::Ptr arr = asArrayPtr(value);
    if (arr.isNull()) fail(childPathBase, "must be an array of conditions, got " + jsonTypeName(value));
    if (arr->size() == 0) fail(childPathBase, "must not be empty");
    for (std::size_t i = 0; i < arr->size(); ++i)
      cond->children_.push_back(parse(arr->get(static_cast<unsigned>(i)), indexPath(childPathBase, i)));
    return cond;
  }

  // A leaf: "field" plus exactly one operator.
  cond->kind_ = Kind::Leaf;
  std::string opKey;
  for (const std::string& k : keys) {
    if (k == "field") continue;
    Op op;
    if (!findOp(k, op)) fail(jsonPath, "unknown operator '" + k + "' (expected one of " + kOpList + ")");
    if (!opKey.empty()) fail(jsonPath, "more than one operator ('" + opKey + "' and '" + k + "'); use all");
    opKey = k;
    cond->op_ = op;
  }
  if (!obj->has("field")) {
    if (opKey.empty()) fail(jsonPath, "empty condition");
    fail(jsonPath, "operator '" + opKey + "' needs a 'field'");
  }
  Poco::Dynamic::Var field = obj->get("field");
  const std::string fieldPath = childPath(jsonPath, "field");
  if (field.type() != typeid(std::string))
    fail(fieldPath, "must be a string (a dotted path), got " + jsonTypeName(field));
  FieldPath::SyntaxError err;
  const std::string& fieldText = field.extract<std::string>();
  if (!FieldPath::parse(fieldText, cond->path_, err))
    fail(fieldPath, "bad path '" + fieldText + "': " + err.reason + " at offset " + std::to_string(err.offset));
  if (opKey.empty())
    fail(jsonPath, std::string("condition on '") + fieldText + "' has no operator (one of " + kOpList + ")");

  const std::string opPath = childPath(jsonPath, opKey);
  Poco::Dynamic::Var operand = obj->get(opKey);
  switch (cond->op_) {
    case Op::Eq:
    case Op::Ne:
      if (!Literal::from(operand, cond->operand_))
        fail(opPath,
             "needs a string, number or boolean, got " + jsonTypeName(operand) + " (to test for presence use exists)");
      break;
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
      if (!Literal::from(operand, cond->operand_) || cond->operand_.kind == Literal::Kind::Bool)
        fail(opPath, "needs a number or string, got " + jsonTypeName(operand));
      break;
    case Op::In: {
      Poco::JSON::Array::Ptr arr = asArrayPtr(operand);
      if (arr.isNull()) fail(opPath, "needs an array of strings, numbers or booleans, got " + jsonTypeName(operand));
      if (arr->size() == 0) fail(opPath, "must not be empty");
      for (std::size_t i = 0; i < arr->size(); ++i) {
        Literal lit;
        Poco::Dynamic::Var item = arr->get(static_cast<unsigned>(i));
        if (!Literal::from(item, lit))
          fail(indexPath(opPath, i), "needs a string, number or boolean, got " + jsonTypeName(item));
        cond->choices_.push_back(std::move(lit));
      }
      break;
    }
    case Op::Exists:
      if (operand.type() != typeid(bool)) fail(opPath, "needs true or false, got " + jsonTypeName(operand));
      cond->exists_ = operand.extract<bool>();
      break;
  }
  return cond;
}

bool Condition::test(const Value& value) const {
  switch (op_) {
    case Op::Eq:
      return operand_.equals(value);
    case Op::Ne:
      return !operand_.equals(value);
    case Op::Lt:
      return compare(value, operand_) == -1;
    case Op::Le: {
      int c = compare(value, operand_);
      return c == -1 || c == 0;
    }
    case Op::Gt:
      return compare(value, operand_) == 1;
    case Op::Ge: {
      int c = compare(value, operand_);
      return c == 1 || c == 0;
    }
    case Op::In:
      for (const Literal& choice : choices_)
        if (choice.equals(value)) return true;
      return false;
    case Op::Exists:
      return value.absent() != exists_;
  }
  return false;
}

void Condition::collectPaths(std::vector<const FieldPath*>& out) const {
  if (kind_ == Kind::Leaf) out.push_back(&path_);
  for (const auto& child : children_) child->collectPaths(out);
}

bool Condition::matches(const Document& evaluation) const {
  switch (kind_) {
    case Kind::Any:
      for (const auto& c : children_)
        if (c->matches(evaluation)) return true;
      return false;
    case Kind::All:
      for (const auto& c : children_)
        if (!c->matches(evaluation)) return false;
      return true;
    case Kind::Not:
      return !children_[0]->matches(evaluation);
    case Kind::Leaf:
      return test(evaluation.at(path_));
  }
  return false;
}

std::optional<Condition::Leaves> Condition::readLeaves(const Document& evaluation) const {
  Leaves leaves;
  unsigned next = 0;
  if (!readLeaves(evaluation, leaves, next)) return std::nullopt;
  return leaves;
}

bool Condition::readLeaves(const Document& evaluation, Leaves& leaves, unsigned& next) const {
  if (kind_ != Kind::Leaf) {
    for (const auto& child : children_)
      if (!child->readLeaves(evaluation, leaves, next)) return false;
    return true;
  }
  if (next >= kMaxLeaves) return false;
  const Value value = evaluation.at(path_);
  if (value.kind == Value::Kind::Missing) leaves.allPresent = false;
  if (test(value)) leaves.truths |= std::uint64_t{1} << next;
  ++next;
  return true;
}

bool Condition::matches(std::uint64_t truths) const {
  unsigned next = 0;
  return matches(truths, next);
}

bool Condition::matches(std::uint64_t truths, unsigned& next) const {
  // Every child is asked, so that each one passes over its own leaves.
  bool result = kind_ == Kind::All;
  switch (kind_) {
    case Kind::Any:
      for (const auto& child : children_) result = child->matches(truths, next) || result;
      return result;
    case Kind::All:
      for (const auto& child : children_) result = child->matches(truths, next) && result;
      return result;
    case Kind::Not:
      return !children_[0]->matches(truths, next);
    case Kind::Leaf:
      return (truths >> next++) & 1U;
  }
  return false;
}

std::string Condition::operandJson() const {
  switch (op_) {
    case Op::In: {
      std::string s = "[";
      for (std::size_t i = 0; i < choices_.size(); ++i) {
        if (i) s += ",";
        s += choices_[i].json;
      }
      return truncateText(s + "]", 80);
    }
    case Op::Exists:
      return exists_ ? "true" : "false";
    default:
      return truncateText(operand_.json, 60);
  }
}

void Condition::explain(const Document& evaluation, bool wanted, bool withValues, const std::string& location,
                        std::vector<std::string>& out) const {
  auto childLocation = [&](const char* group, std::size_t i) {
    std::string base = location.empty() ? std::string(group) : location + "." + group;
    return kind_ == Kind::Not ? base : indexPath(base, i);
  };
  switch (kind_) {
    case Kind::Any:
    case Kind::All: {
      const char* group = kind_ == Kind::Any ? "any" : "all";
      // Every child whose truth differs from what was wanted is responsible.
      for (std::size_t i = 0; i < children_.size(); ++i) {
        if (children_[i]->matches(evaluation) != wanted)
          children_[i]->explain(evaluation, wanted, withValues, childLocation(group, i), out);
      }
      return;
    }
    case Kind::Not:
      children_[0]->explain(evaluation, !wanted, withValues, childLocation("not", 0), out);
      return;
    case Kind::Leaf: {
      std::string s = location.empty() ? std::string() : location + " ";
      s += path_.text() + (withValues ? " is " + evaluation.at(path_).describe() : std::string()) + " (wanted " +
           (wanted ? "" : "not ") + opName(op_) + " " + operandJson() + ")";
      out.push_back(std::move(s));
      return;
    }
  }
}

}  // namespace mapping
}  // namespace evalbridge
