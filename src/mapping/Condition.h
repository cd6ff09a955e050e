#pragma once
// The `when` tree of a mapping: any / all / not over leaf conditions
// {"field": PATH, OP: VALUE} with OP one of eq, ne, lt, le, gt, ge, in, exists.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include "mapping/Document.h"
#include "mapping/FieldPath.h"
#include "mapping/Value.h"

namespace evalbridge {
namespace mapping {

class Condition {
 public:
  // Throws ConfigError "<jsonPath>: <reason>" (the path of the offending node or key).
  static std::unique_ptr<Condition> parse(const Poco::Dynamic::Var& node, const std::string& jsonPath);

  bool matches(const Document& evaluation) const;
  // Every leaf's truth, leaf i (in collectPaths' order) as bit i; false for more than 64 leaves.
  // explain() without the values depends on these bits alone, so a caller can keep one text
  // per pattern instead of explaining each evaluation again.
  bool leafTruths(const Document& evaluation, std::uint64_t& bits) const;
  // Appends every field path the condition reads.
  void collectPaths(std::vector<const FieldPath*>& out) const;

  // Why the condition's truth differs from `wanted`: one entry per leaf responsible, each
  // "<location> <path> is <value seen> (wanted [not ]<op> <operand>)". `location` is the JSON
  // path below `when` ("any[1]", "all[0].not"); empty for a bare leaf at the root.
  // `withValues` false leaves out what the evaluation held ("answers.totalScore (wanted lt 70)"):
  // the same text for every evaluation that failed the same way (the ledger keeps that one).
  void explain(const Document& evaluation, bool wanted, bool withValues, const std::string& location,
               std::vector<std::string>& out) const;

  enum class Kind { Any, All, Not, Leaf };
  enum class Op { Eq, Ne, Lt, Le, Gt, Ge, In, Exists };

 private:
  bool test(const Value& value) const;  // leaf only
  // Sets the bits of this subtree's leaves from `next` on; false once past 64.
  bool collectTruths(const Document& evaluation, std::uint64_t& bits, unsigned& next) const;
  std::string operandJson() const;

  Kind kind_ = Kind::Leaf;
  std::vector<std::unique_ptr<Condition>> children_;  // Any/All: the list; Not: one
  FieldPath path_;
  Op op_ = Op::Eq;
  Literal operand_;               // eq ne lt le gt ge
  std::vector<Literal> choices_;  // in
  bool exists_ = true;            // exists
};

}  // namespace mapping
}  // namespace evalbridge
