#pragma once
// A field template: literal text with {{path}} and {{path ?? "default"}} placeholders. Parsed and
// checked when the mapping loads; rendering only looks values up and concatenates text, so a
// value can never be evaluated as template or code.
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "mapping/FieldPath.h"

namespace evalbridge {
namespace mapping {

class Template {
 public:
  // Throws ConfigError "<jsonPath>: <reason> at offset N" (N: byte offset in `text`).
  static Template parse(const std::string& text, const std::string& jsonPath);

  std::string render(const Poco::JSON::Object& evaluation) const;
  // Appends every field path the template reads.
  void collectPaths(std::vector<const FieldPath*>& out) const;

  // True when the template has no placeholders (its text is constant).
  bool isConstant() const { return parts_.size() <= 1 && (parts_.empty() || !parts_[0].isField); }

 private:
  struct Part {
    std::string literal;  // !isField
    FieldPath path;       // isField
    bool isField = false;
    bool hasDefault = false;
    std::string fallback;  // used when the value is missing or null
  };
  std::vector<Part> parts_;
  std::size_t literalSize_ = 0;
};

}  // namespace mapping
}  // namespace evalbridge
