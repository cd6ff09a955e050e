#pragma once
// A mapping file (SPEC section 4) turns one Genesys evaluation into the fields of a ServiceNow
// incident, or into a "skip" with the reason. Loading validates everything up front; applying
// never throws for data reasons (missing fields render as "" or their ?? default).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Poco/JSON/Object.h>

namespace evalbridge {

namespace mapping {
class Document;
}

using IncidentFields = std::vector<std::pair<std::string, std::string>>;  // in file order

struct MappingResult {
  bool matched = false;
  std::string skipReason;  // when !matched: which conditions failed, with the values seen
  std::string skipCode;    // the same without the values: one text per way of failing (the ledger's)
  IncidentFields fields;   // when matched
  // Set only if applying failed for a reason other than the data (e.g. out of memory); matched is
  // then false. Treat it as a permanent failure (dead letter), not as a skip.
  std::string error;
};

class Mapping {
 public:
  // Throws ConfigError "<file>: <json path>: <reason>" (e.g. "m.json: $.when.any[1]: unknown operator 'gte'").
  static Mapping loadFile(const std::string& path);
  static Mapping parse(const std::string& jsonText, const std::string& sourceName);

  const std::string& name() const;
  const std::string& sourceName() const;
  const std::string& description() const;  // "" when the file has none

  // What a rescore does once ServiceNow resolved, closed or canceled the evaluation's incident
  // ("afterClose" in the file): add a work note to it (default), or open a follow-up incident
  // that references it (parent_incident). A closed incident is never reopened either way.
  enum class AfterClose { WorkNote, FollowUp };
  AfterClose afterClose() const;
  // Never throws; const and safe to call from many threads at once. A null pointer is treated as
  // an empty evaluation (every field missing). `withSkipReason` false leaves skipReason empty
  // (the sync keeps only skipCode; explaining the values again for every skip costs time).
  MappingResult apply(const Poco::JSON::Object::Ptr& evaluation, bool withSkipReason = true) const;

  // Whether `evaluation` holds what applying reads. A search result lacks what only the
  // evaluation GET gives (names behind agent, evaluator and the form), so the sync asks first:
  //   Complete:   every path the mapping reads is present: apply() gives the final answer;
  //   SkipKnown:  a field path is absent, but every path of `when` is present and `when` is
  //               false: the evaluation is skipped whatever the rest holds;
  //   Incomplete: read the full evaluation before applying.
  // Present means the key exists (a JSON null is present: the full read would give null too).
  enum class Readiness { Complete, SkipKnown, Incomplete };
  Readiness readiness(const Poco::JSON::Object::Ptr& evaluation) const;

  // The skip code apply() gives (MappingResult::skipCode) when `when` alone settles a skip: every
  // path of `when` is present and `when` is false, so whatever the rest holds, the evaluation is
  // skipped with this code. Nothing otherwise, and on a failure (apply() then says what failed).
  // Read through a mapping::Document: the sync's projection reads the record's text this way.
  std::optional<std::string> knownSkipCode(const mapping::Document& evaluation) const;

  // Every field path applying reads (`when` first, then the fields'), as written in the file.
  // An evaluation cut down to these paths maps exactly as the whole one does.
  std::vector<std::string> pathsRead() const;
  // The paths `when` reads: enough for readiness() to say SkipKnown. None without a `when`.
  std::vector<std::string> conditionPathsRead() const;
  bool hasCondition() const;

  Mapping(Mapping&&) noexcept;
  Mapping& operator=(Mapping&&) noexcept;
  ~Mapping();

 private:
  struct Impl;
  explicit Mapping(std::unique_ptr<Impl> impl);
  // "when did not match: ..." for an evaluation `when` does not match, with or without the values.
  std::string whyNotMatched(const mapping::Document& evaluation, bool withValues) const;
  // How `when` reads on one evaluation. `truths` is its leaves' pattern (Condition::readLeaves);
  // a condition of more leaves than a pattern holds has none, and is read as it is.
  struct WhenReading {
    bool matched = true;
    bool allPresent = true;
    std::optional<std::uint64_t> truths;
  };
  WhenReading readWhen(const mapping::Document& evaluation) const;
  // whyNotMatched without the values for an evaluation `when` did not match: kept once per
  // pattern of truths, worked out each time without one.
  std::string skipCodeOf(const WhenReading& reading, const mapping::Document& evaluation) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evalbridge
