#pragma once
// The `when` tree of a mapping: any / all / not over leaf conditions
// {"field": PATH, OP: VALUE} with OP one of eq, ne, lt, le, gt, ge, in, exists.
#include <cstdint>
#include <memory>
#include <optional>
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

  // What the condition reads of one evaluation, each leaf's path looked up once: leaf i's truth
  // (in collectPaths' order) as bit i, and whether every leaf's path is present (a JSON null is).
  // Whether the condition matches, and explain() without the values, depend on the truths alone,
  // so a caller can keep one text per pattern instead of explaining each evaluation again.
  struct Leaves {
    std::uint64_t truths = 0;
    bool allPresent = true;
  };
  static constexpr unsigned kMaxLeaves = 64;  // more leaves than bits: nothing from readLeaves
  std::optional<Leaves> readLeaves(const Document& evaluation) const;
  bool matches(std::uint64_t truths) const;
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
  // This subtree's part of readLeaves and matches(truths), its leaves numbered from `next` on.
  bool readLeaves(const Document& evaluation, Leaves& leaves, unsigned& next) const;
  bool matches(std::uint64_t truths, unsigned& next) const;
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
