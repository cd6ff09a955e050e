#include "genesys/EvaluationProjection.h"

#include <Poco/JSON/Array.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "genesys/EvaluationKey.h"
#include "genesys/PrivateMember.h"
#include "mapping/Document.h"
#include "mapping/FieldPath.h"
#include "mapping/Mapping.h"

namespace evalbridge {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Names no parsed document can carry (PrivateMember.h).
const std::string& rawTextMember() { return privateMemberName(PrivateMember::ProjectedFrom); }
const std::string& skipCodeMember() { return privateMemberName(PrivateMember::SkippedAs); }

// The value as T, once its type() said it is one (so the error code is never set).
template <typename T>
T as(element value) {
  T out{};
  const simdjson::error_code unused = value.get(out);
  static_cast<void>(unused);
  return out;
}

// The whole value, as Poco's parser would have built it.
Poco::Dynamic::Var wholeValue(element value) {
  switch (value.type()) {
    case element_type::OBJECT: {
      Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
      for (const auto field : as<simdjson::dom::object>(value))
        object->set(std::string(field.key), wholeValue(field.value));
      return object;
    }
    case element_type::ARRAY: {
      Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
      for (const element item : as<simdjson::dom::array>(value)) array->add(wholeValue(item));
      return array;
    }
    case element_type::STRING:
      return std::string(as<std::string_view>(value));
    case element_type::INT64:
      return static_cast<Poco::Int64>(as<std::int64_t>(value));
    case element_type::UINT64:
      return static_cast<Poco::UInt64>(as<std::uint64_t>(value));
    case element_type::DOUBLE:
      return as<double>(value);
    case element_type::BOOL:
      return as<bool>(value);
    case element_type::NULL_VALUE:
      break;
  }
  return Poco::Dynamic::Var();  // null, as Poco's parser gives it
}

bool projectValue(const ProjectionPaths::Node& node, element value, Poco::Dynamic::Var& out);

void projectMembers(const ProjectionPaths::Node& node, simdjson::dom::object from, Poco::JSON::Object& to) {
  // Every member in order, so that of a repeated key the last one counts.
  for (const auto field : from) {
    const ProjectionPaths::Node* child = node.key(field.key);
    if (child == nullptr) continue;
    Poco::Dynamic::Var projected;
    if (projectValue(*child, field.value, projected))
      to.set(std::string(field.key), projected);
    else
      to.remove(std::string(field.key));  // an earlier duplicate must not answer for this one
  }
}

// The value cut down to what `node` reaches. False when nothing below it can be found in this
// value (a key step into a string, say): the member is then left out, and a lookup through it
// gives Missing, as it would on the whole evaluation.
bool projectValue(const ProjectionPaths::Node& node, element value, Poco::Dynamic::Var& out) {
  if (node.whole) {
    out = wholeValue(value);
    return true;
  }
  switch (value.type()) {
    case element_type::NULL_VALUE:
      out = Poco::Dynamic::Var();
      return true;  // a lookup through null gives Null
    case element_type::OBJECT: {
      if (node.keys.empty()) return false;
      Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
      projectMembers(node, as<simdjson::dom::object>(value), *object);
      out = object;
      return true;
    }
    case element_type::ARRAY: {
      if (node.indexes.empty()) return false;
      const auto items = as<simdjson::dom::array>(value);
      std::size_t length = 0;
      for (const auto& [index, child] : node.indexes) length = std::max(length, index + 1);
      length = std::min(length, items.size());
      // Indexes no path names hold null: no lookup reaches them.
      Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
      for (std::size_t i = 0; i < length; ++i) array->add(Poco::Dynamic::Var());
      for (const auto& [index, child] : node.indexes) {
        if (index >= length) continue;
        Poco::Dynamic::Var projected;
        // An element nothing can be found in becomes {}: a lookup into it gives Missing, not Null.
        element item;
        if (items.at(index).get(item) != simdjson::SUCCESS) continue;  // never: index < length <= size
        if (!projectValue(child, item, projected)) projected = Poco::JSON::Object::Ptr(new Poco::JSON::Object);
        array->set(static_cast<unsigned int>(index), projected);
      }
      out = array;
      return true;
    }
    default:
      return false;  // a scalar: no step below it finds anything
  }
}

// An evaluation's parsed text read as a mapping::Document: a value is built only for a path a
// condition reads, and nothing else of the record.
class ElementDocument final : public mapping::Document {
 public:
  explicit ElementDocument(element root) : root_(root) {}

  // The steps of FieldPath::lookup on simdjson's view: a step into a non-object, a non-array or
  // past the end gives Missing, a null anywhere gives Null, and of a repeated key the last one
  // counts (as Poco's parser keeps it).
  mapping::Value at(const mapping::FieldPath& path) const override {
    element current = root_;
    for (const auto& step : path.steps()) {
      element next;
      if (step.isIndex) {
        if (current.type() != element_type::ARRAY ||
            as<simdjson::dom::array>(current).at(step.index).get(next) != simdjson::SUCCESS)
          return mapping::Value();
      } else {
        if (current.type() != element_type::OBJECT) return mapping::Value();
        bool found = false;
        for (const auto field : as<simdjson::dom::object>(current)) {
          if (field.key != step.key) continue;
          next = field.value;
          found = true;
        }
        if (!found) return mapping::Value();
      }
      if (next.type() == element_type::NULL_VALUE) return mapping::Value::of(Poco::Dynamic::Var(), true);
      current = next;
    }
    return mapping::Value::of(wholeValue(current), true);
  }

 private:
  element root_;
};

ProjectionPaths::Node& childFor(ProjectionPaths::Node& node, const mapping::FieldPath::Step& step);

ProjectionPaths::Node treeOf(const std::vector<std::string>& paths) {
  ProjectionPaths::Node root;
  for (const std::string& text : paths) {
    mapping::FieldPath path;
    mapping::FieldPath::SyntaxError error;
    if (!mapping::FieldPath::parse(text, path, error))
      throw std::invalid_argument("projection path '" + text + "': " + error.reason);
    ProjectionPaths::Node* node = &root;
    for (const auto& step : path.steps()) node = &childFor(*node, step);
    node->whole = true;
  }
  return root;
}

ProjectionPaths::Node& childFor(ProjectionPaths::Node& node, const mapping::FieldPath::Step& step) {
  if (step.isIndex) {
    for (auto& [index, child] : node.indexes)
      if (index == step.index) return child;
    node.indexes.emplace_back(step.index, ProjectionPaths::Node());
    return node.indexes.back().second;
  }
  for (auto& [key, child] : node.keys)
    if (key == step.key) return child;
  node.keys.emplace_back(step.key, ProjectionPaths::Node());
  return node.keys.back().second;
}

}  // namespace

const ProjectionPaths::Node* ProjectionPaths::Node::key(std::string_view name) const {
  for (const auto& [key, child] : keys)
    if (key == name) return &child;
  return nullptr;
}

ProjectionPaths::ProjectionPaths(const std::vector<std::string>& paths) : root_(treeOf(paths)) {}

ProjectionPaths::ProjectionPaths(const std::vector<std::string>& paths, const std::vector<std::string>& skipPaths,
                                 Decided decided)
    : root_(treeOf(paths)), skipped_(treeOf(skipPaths)), decided_(std::move(decided)) {}

std::shared_ptr<const ProjectionPaths> projectionFor(const Mapping& mapping,
                                                     const std::vector<std::string>& sourcePaths) {
  // What the sync reads of a settled skip: the key, the changedDate, redaction (a redacted skip
  // is recorded as redacted), and what the source reads itself. A settled skip is never read
  // again, so it needs no conversation.id.
  std::vector<std::string> skipPaths = {"id", "changedDate", "redacted"};
  skipPaths.insert(skipPaths.end(), sourcePaths.begin(), sourcePaths.end());
  std::vector<std::string> paths = mapping.pathsRead();
  paths.insert(paths.end(), skipPaths.begin(), skipPaths.end());
  paths.push_back("conversation.id");  // the full read of an incomplete search result
  if (!mapping.hasCondition()) return std::make_shared<const ProjectionPaths>(paths);
  const auto pathOf = [](const std::string& text) {
    mapping::FieldPath path;
    mapping::FieldPath::SyntaxError unused;
    mapping::FieldPath::parse(text, path, unused);
    return path;
  };
  return std::make_shared<const ProjectionPaths>(
      paths, skipPaths,
      [&mapping, id = pathOf("id"), changed = pathOf("changedDate")](
          const mapping::Document& evaluation) -> std::optional<std::string> {
        // A record the sync would dead-letter (no usable id, a changedDate that is not a string)
        // is read in full, so that the dead letter keeps its raw text.
        if (!isUsableEvaluationId(evaluation.at(id)) || !isUsableChangedDate(evaluation.at(changed)))
          return std::nullopt;
        return mapping.knownSkipCode(evaluation);  // nothing on a failure: the full read maps it and says what went wrong
      });
}

std::optional<std::string> projectedRawText(const Poco::JSON::Object::Ptr& evaluation) {
  if (!evaluation || !evaluation->has(rawTextMember())) return std::nullopt;
  return evaluation->getValue<std::string>(rawTextMember());
}

std::optional<std::string> projectedSkipCode(const Poco::JSON::Object::Ptr& evaluation) {
  if (!evaluation || !evaluation->has(skipCodeMember())) return std::nullopt;
  return evaluation->getValue<std::string>(skipCodeMember());
}

EvaluationProjector::EvaluationProjector(std::shared_ptr<const ProjectionPaths> paths)
    : paths_(std::move(paths)), parser_(std::make_unique<simdjson::dom::parser>()) {}

EvaluationProjector::~EvaluationProjector() = default;

namespace {

// simdjson's refusals of one value, as opposed to the document's structure. The DOM parser gives
// NUMBER_ERROR for every number it refuses (1e400, integers beyond 64 bits either way), never
// NUMBER_OUT_OF_RANGE; a refusal missing here would only cost a second read
// (EvaluationFetcher: the same answer twice is bad data too).
bool refusesAValue(simdjson::error_code error) {
  switch (error) {
    case simdjson::STRING_ERROR:
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
    case simdjson::NUMBER_ERROR:
    case simdjson::UTF8_ERROR:
    case simdjson::UNESCAPED_CHARS:
      return true;
    default:
      return false;
  }
}

// The text ends with the object's closing bracket: cut off anywhere else, the refused value
// (say, half a UTF-8 sequence) may be the cut's doing, not the sender's.
bool endsAnObject(std::string_view raw) {
  const char* const space = " \t\r\n";  // JSON's whitespace
  const auto first = raw.find_first_not_of(space);
  const auto last = raw.find_last_not_of(space);
  return first != std::string_view::npos && last > first && raw[first] == '{' && raw[last] == '}';
}

}  // namespace

Poco::JSON::Object::Ptr EvaluationProjector::project(const std::string& raw, std::string& problem) {
  return project(raw, raw.capacity() - raw.size(), problem);
}

Poco::JSON::Object::Ptr EvaluationProjector::project(std::string_view raw, std::size_t readableAfter,
                                                     std::string& problem) {
  refusedAValue_ = false;
  element root;
  const bool copyFirst = readableAfter < simdjson::SIMDJSON_PADDING;
  if (const auto error = parser_->parse(raw.data(), raw.size(), copyFirst).get(root)) {
    problem = std::string("not valid JSON (") + simdjson::error_message(error) + ")";
    refusedAValue_ = refusesAValue(error) && endsAnObject(raw);
    return nullptr;
  }
  if (root.type() != element_type::OBJECT) {
    problem = "not a JSON object";
    return nullptr;
  }
  const auto members = as<simdjson::dom::object>(root);
  if (const ProjectionPaths::Node* skipped = paths_->skipped()) {
    if (auto skipCode = paths_->decided(ElementDocument(root))) {
      Poco::JSON::Object::Ptr kept = new Poco::JSON::Object;
      projectMembers(*skipped, members, *kept);
      kept->set(skipCodeMember(), std::move(*skipCode));
      return kept;
    }
  }
  Poco::JSON::Object::Ptr projected = new Poco::JSON::Object;
  projectMembers(paths_->root(), members, *projected);
  projected->set(rawTextMember(), std::string(raw));
  return projected;
}

}  // namespace evalbridge
