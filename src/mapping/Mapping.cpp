#include "mapping/Mapping.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <typeinfo>
#include <unordered_map>

#include "common/Errors.h"
#include "mapping/Condition.h"
#include "mapping/Document.h"
#include "mapping/FieldRule.h"
#include "mapping/JsonReader.h"
#include "mapping/Value.h"

namespace evalbridge {

namespace {

using mapping::childPath;
using mapping::jsonTypeName;

constexpr std::size_t kMaxSkipReason = 600;

[[noreturn]] void fail(const std::string& jsonPath, const std::string& reason) {
  throw ConfigError(jsonPath + ": " + reason);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

struct Mapping::Impl {
  std::string name;
  std::string description;
  Mapping::AfterClose afterClose = Mapping::AfterClose::WorkNote;
  std::string sourceName;
  std::unique_ptr<mapping::Condition> when;  // null: everything matches
  std::vector<std::pair<std::string, mapping::FieldRule>> fields;
  // Every path `when` reads, and every path the fields read (filled once the mapping parsed).
  std::vector<const mapping::FieldPath*> whenPaths;
  std::vector<const mapping::FieldPath*> fieldPaths;
  // Skip codes by the leaves' truths (Condition::readLeaves): a mapping fails in a few ways, and
  // explaining each skipped evaluation again cost a tenth of a sweep's CPU. Bounded, since a
  // `when` of many leaves could fail in more ways than anyone would keep.
  static constexpr std::size_t kMaxSkipCodes = 1024;
  std::mutex skipCodesMutex;
  std::unordered_map<std::uint64_t, std::string> skipCodes;
};

Mapping::Mapping(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Mapping::Mapping(Mapping&&) noexcept = default;
Mapping& Mapping::operator=(Mapping&&) noexcept = default;
Mapping::~Mapping() = default;

const std::string& Mapping::name() const {
  return impl_->name;
}
const std::string& Mapping::sourceName() const {
  return impl_->sourceName;
}
Mapping::AfterClose Mapping::afterClose() const {
  return impl_->afterClose;
}

const std::string& Mapping::description() const {
  return impl_->description;
}

Mapping Mapping::loadFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError(path + ": cannot read mapping file: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open mapping file: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw ConfigError(path + ": cannot read mapping file");
  return parse(text, path);
}

Mapping Mapping::parse(const std::string& jsonText, const std::string& sourceName) {
  const std::string source = sourceName.empty() ? std::string("mapping") : sourceName;
  auto impl = std::make_unique<Impl>();
  impl->sourceName = sourceName;
  try {
    Poco::Dynamic::Var root = mapping::readJson(jsonText);
    if (root.type() != typeid(Poco::JSON::Object::Ptr))
      fail("$", "a mapping must be a JSON object, got " + jsonTypeName(root));
    const Poco::JSON::Object::Ptr obj = root.extract<Poco::JSON::Object::Ptr>();

    std::vector<std::string> keys;
    obj->getNames(keys);
    for (const std::string& k : keys) {
      if (k != "name" && k != "description" && k != "when" && k != "fields" && k != "afterClose")
        fail("$", "unknown key '" + k + "' (allowed: name, description, when, fields, afterClose)");
    }

    if (!obj->has("name")) fail("$", "missing 'name'");
    const Poco::Dynamic::Var name = obj->get("name");
    if (name.type() != typeid(std::string) || name.extract<std::string>().empty())
      fail("$.name", "must be a non-empty string, got " +
                         (name.type() == typeid(std::string) ? std::string("\"\"") : jsonTypeName(name)));
    impl->name = name.extract<std::string>();

    if (obj->has("description")) {
      const Poco::Dynamic::Var d = obj->get("description");
      if (d.type() != typeid(std::string)) fail("$.description", "must be a string, got " + jsonTypeName(d));
      impl->description = d.extract<std::string>();
    }

    if (obj->has("afterClose")) {
      const Poco::Dynamic::Var a = obj->get("afterClose");
      const std::string value = a.type() == typeid(std::string) ? a.extract<std::string>() : std::string();
      if (value == "followUp")
        impl->afterClose = AfterClose::FollowUp;
      else if (value != "workNote")
        fail("$.afterClose", "must be \"workNote\" or \"followUp\"");
    }
    if (obj->has("when")) impl->when = mapping::Condition::parse(obj->get("when"), "$.when");

    if (!obj->has("fields")) fail("$", "missing 'fields'");
    const Poco::Dynamic::Var fieldsVar = obj->get("fields");
    if (fieldsVar.type() != typeid(Poco::JSON::Object::Ptr))
      fail("$.fields", "must be an object, got " + jsonTypeName(fieldsVar));
    const Poco::JSON::Object::Ptr fields = fieldsVar.extract<Poco::JSON::Object::Ptr>();
    std::vector<std::string> names;
    fields->getNames(names);  // file order (the reader preserves it)
    if (names.empty()) fail("$.fields", "must not be empty");
    for (const std::string& field : names) {
      const std::string fieldPath = childPath("$.fields", field);
      if (field.empty()) fail(fieldPath, "field names must not be empty");
      const std::string l = lower(field);
      if (l == "correlation_id" || l == "correlation_display")
        fail(fieldPath, "set by evalbridge; a mapping cannot override it");
      impl->fields.emplace_back(field, mapping::FieldRule::parse(fields->get(field), fieldPath));
    }
  } catch (const ConfigError& e) {
    throw ConfigError(source + ": " + e.message());
  }
  if (impl->when) impl->when->collectPaths(impl->whenPaths);
  for (const auto& field : impl->fields) field.second.collectPaths(impl->fieldPaths);
  return Mapping(std::move(impl));
}

namespace {

// Present means the key exists: a JSON null is present.
bool allPresent(const std::vector<const mapping::FieldPath*>& paths, const mapping::Document& evaluation) {
  for (const auto* path : paths)
    if (evaluation.at(*path).kind == mapping::Value::Kind::Missing) return false;
  return true;
}

}  // namespace

Mapping::Readiness Mapping::readiness(const Poco::JSON::Object::Ptr& evaluation) const {
  static const Poco::JSON::Object kEmpty;
  const mapping::ObjectDocument ev(evaluation.isNull() ? kEmpty : *evaluation);
  if (!allPresent(impl_->whenPaths, ev)) return Readiness::Incomplete;
  if (allPresent(impl_->fieldPaths, ev)) return Readiness::Complete;
  return impl_->when && !impl_->when->matches(ev) ? Readiness::SkipKnown : Readiness::Incomplete;
}

std::vector<std::string> Mapping::conditionPathsRead() const {
  std::vector<std::string> paths;
  for (const auto* path : impl_->whenPaths) paths.push_back(path->text());
  return paths;
}

bool Mapping::hasCondition() const { return impl_->when != nullptr; }

std::vector<std::string> Mapping::pathsRead() const {
  std::vector<std::string> paths = conditionPathsRead();
  for (const auto* path : impl_->fieldPaths) paths.push_back(path->text());
  return paths;
}

std::string Mapping::whyNotMatched(const mapping::Document& evaluation, bool withValues) const {
  std::vector<std::string> why;
  impl_->when->explain(evaluation, true, withValues, std::string(), why);
  std::string reason = "when did not match: ";
  for (std::size_t i = 0; i < why.size(); ++i) {
    if (i) reason += "; ";
    reason += why[i];
    if (reason.size() > kMaxSkipReason) break;
  }
  return mapping::truncateText(reason, kMaxSkipReason);
}

Mapping::WhenReading Mapping::readWhen(const mapping::Document& evaluation) const {
  if (const auto leaves = impl_->when->readLeaves(evaluation))
    return {impl_->when->matches(leaves->truths), leaves->allPresent, leaves->truths};
  return {impl_->when->matches(evaluation), allPresent(impl_->whenPaths, evaluation), std::nullopt};
}

std::string Mapping::skipCodeOf(const WhenReading& reading, const mapping::Document& evaluation) const {
  if (!reading.truths) return whyNotMatched(evaluation, false);
  const std::uint64_t truths = *reading.truths;
  {
    std::lock_guard<std::mutex> lock(impl_->skipCodesMutex);
    if (auto found = impl_->skipCodes.find(truths); found != impl_->skipCodes.end()) return found->second;
  }
  std::string code = whyNotMatched(evaluation, false);
  std::lock_guard<std::mutex> lock(impl_->skipCodesMutex);
  if (impl_->skipCodes.size() < Impl::kMaxSkipCodes) impl_->skipCodes.emplace(truths, code);
  return code;
}

std::optional<std::string> Mapping::knownSkipCode(const mapping::Document& evaluation) const {
  if (!impl_->when) return std::nullopt;
  try {
    const WhenReading reading = readWhen(evaluation);
    if (!reading.allPresent || reading.matched) return std::nullopt;
    return skipCodeOf(reading, evaluation);
  } catch (...) {
    return std::nullopt;
  }
}

MappingResult Mapping::apply(const Poco::JSON::Object::Ptr& evaluation, bool withSkipReason) const {
  MappingResult result;
  try {
    static const Poco::JSON::Object kEmpty;
    const Poco::JSON::Object& ev = evaluation.isNull() ? kEmpty : *evaluation;
    const mapping::ObjectDocument document(ev);
    if (impl_->when) {
      const WhenReading reading = readWhen(document);
      if (!reading.matched) {
        if (withSkipReason) result.skipReason = whyNotMatched(document, true);
        result.skipCode = skipCodeOf(reading, document);
        return result;
      }
    }
    result.fields.reserve(impl_->fields.size());
    for (const auto& field : impl_->fields) {
      std::optional<std::string> text = field.second.render(ev);
      if (text) result.fields.emplace_back(field.first, std::move(*text));
    }
    result.matched = true;
  } catch (const std::exception& e) {
    result = MappingResult();
    result.error = "mapping '" + impl_->name + "' failed: " + errorText(e);
  } catch (...) {
    result = MappingResult();
    result.error = std::string("mapping '") + impl_->name + "' failed: unknown exception";
  }
  return result;
}

}  // namespace evalbridge
