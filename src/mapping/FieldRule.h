#pragma once
// How one incident field gets its value: a template string, a number/boolean literal,
// {"from", "map", "default"} (lookup table) or {"from", "ranges", "default"} (numeric bands).
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include "mapping/FieldPath.h"
#include "mapping/Template.h"

namespace evalbridge {
namespace mapping {

class FieldRule {
 public:
  // Throws ConfigError "<jsonPath>: <reason>".
  static FieldRule parse(const Poco::Dynamic::Var& node, const std::string& jsonPath);

  // The field's text, or nothing when the field is to be left out (map/ranges without a
  // default and no match). Never throws for data reasons.
  std::optional<std::string> render(const Poco::JSON::Object& evaluation) const;
  // Appends every field path the rule reads.
  void collectPaths(std::vector<const FieldPath*>& out) const;

 private:
  enum class Kind { Template, Literal, Map, Ranges };
  enum class Bound { Lt, Le, Gt, Ge };
  struct Range {
    Bound bound = Bound::Lt;
    double limit = 0;
    std::string text;
  };

  Kind kind_ = Kind::Literal;
  Template template_;
  std::string literal_;
  FieldPath from_;
  std::unordered_map<std::string, std::string> table_;
  std::vector<Range> ranges_;
  std::optional<std::string> default_;
};

}  // namespace mapping
}  // namespace evalbridge
