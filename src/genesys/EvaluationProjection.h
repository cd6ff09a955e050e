#pragma once
// Reads an evaluation's JSON text without building the whole of it: simdjson validates the text
// in full (at least as strictly as Poco's parser: a lone UTF-16 surrogate, 1e400, an integer
// beyond 64 bits, a raw control character, invalid UTF-8 or unpaired brackets make it
// malformed), then only the paths the bridge reads are copied into a small Poco object. Most
// evaluations are skipped, so most are never built as a DOM: a search page of 100 evaluations
// costs 100 small objects of a handful of values, not 100 trees of a few hundred.
//
// The cut-down object answers every lookup of a projected path exactly as the whole evaluation
// would (FieldPath::lookup: Missing, Null or the value), so the mapping's conditions, fields,
// skip reasons and readiness run on it unchanged, in one place. It carries the record's full
// text (projectedRawText), which the ledger keeps for delivered and dead-lettered records.
// A skip settled at the first stage (below) is the exception: it is not to be mapped again.
//
// In two stages when the mapping has a condition: first the condition is decided on simdjson's
// view of the text (Mapping::knownSkipCode through a mapping::Document), and when that already
// shows a skip the object holds only what the sync reads of a skip (the key, the changedDate,
// redaction and the source's date) and the skip code (projectedSkipCode): neither the condition's
// nor the fields' paths, nor the raw text. The sync skips it without applying the mapping again,
// and the ledger keeps no raw text of a skip. Most evaluations end at the first stage.
//
// A key that appears twice in one object: the last one counts, as with Poco.
#include <Poco/JSON/Object.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace simdjson {
namespace dom {
class parser;
}
}  // namespace simdjson

namespace evalbridge {

class Mapping;
namespace mapping {
class Document;
}

// The paths to keep, merged into a tree (shared by every evaluation of an org; immutable).
class ProjectionPaths {
 public:
  struct Node {
    std::vector<std::pair<std::string, Node>> keys;
    std::vector<std::pair<std::size_t, Node>> indexes;
    bool whole = false;  // a path ends here: keep the value with everything below it
    const Node* key(std::string_view name) const;
  };

  // The mapping's skip code when the evaluation needs nothing more (a skip the condition
  // settles), else nothing.
  using Decided = std::function<std::optional<std::string>(const mapping::Document& evaluation)>;

  // `paths` in FieldPath syntax ("answers.totalScore", "mediaType[0]"). Throws
  // std::invalid_argument for one that is not (a mapping's paths were validated when it loaded).
  explicit ProjectionPaths(const std::vector<std::string>& paths);
  // Two stages: `decided` first, on the whole text; a skip it settles keeps only `skipPaths`,
  // anything else `paths`.
  ProjectionPaths(const std::vector<std::string>& paths, const std::vector<std::string>& skipPaths, Decided decided);
  const Node& root() const { return root_; }
  const Node* skipped() const { return decided_ ? &skipped_ : nullptr; }
  std::optional<std::string> decided(const mapping::Document& evaluation) const { return decided_(evaluation); }

 private:
  Node root_;
  Node skipped_;
  Decided decided_;
};

// The paths the sync reads of an evaluation mapped by `mapping`: the mapping's own, the key (id),
// the rescore and staleness check (changedDate), redaction (redacted) and the full read of an
// incomplete search result (conversation.id), plus `sourcePaths`, what the source reads itself
// (the search date field). Two stages when the mapping has a condition; `mapping` must then
// outlive the projection.
std::shared_ptr<const ProjectionPaths> projectionFor(const Mapping& mapping,
                                                     const std::vector<std::string>& sourcePaths = {});

// The whole record's text of a projected evaluation (kept in a member no Genesys model has, as
// MalformedEntry does), or nothing for an object built whole or a skip settled at the first stage.
std::optional<std::string> projectedRawText(const Poco::JSON::Object::Ptr& evaluation);

// The skip code the mapping gave an evaluation settled at the first stage (kept in a member no
// Genesys model has, like the raw text), or nothing for any other object. The sync takes it
// instead of applying the mapping again: Mapping::knownSkipCode decided it on the same values.
std::optional<std::string> projectedSkipCode(const Poco::JSON::Object::Ptr& evaluation);

// Not thread-safe (one simdjson parser, reused so that a page allocates nothing per record):
// one per reader.
class EvaluationProjector {
 public:
  explicit EvaluationProjector(std::shared_ptr<const ProjectionPaths> paths);
  ~EvaluationProjector();
  EvaluationProjector(const EvaluationProjector&) = delete;
  EvaluationProjector& operator=(const EvaluationProjector&) = delete;

  // The evaluation cut down to the paths, or null when `raw` is not a JSON object, with
  // `problem` saying why (for the dead letter).
  Poco::JSON::Object::Ptr project(const std::string& raw, std::string& problem);
  // The same for a text followed by `readableAfter` bytes that may be read (not used): with at
  // least simdjson's padding (64 bytes) the text is parsed in place, without a copy.
  Poco::JSON::Object::Ptr project(std::string_view raw, std::size_t readableAfter, std::string& problem);

  // Whether the last refusal was of a value inside a whole object: a lone UTF-16 surrogate, a
  // number out of range, invalid UTF-8, a raw control character, a misspelt literal. That is bad
  // data, the same at every read (the record is dead-lettered). Anything else (text that breaks
  // off, brackets that do not pair, not an object) may be a transfer gone wrong: read it again.
  bool refusedAValue() const { return refusedAValue_; }

 private:
  std::shared_ptr<const ProjectionPaths> paths_;
  std::unique_ptr<simdjson::dom::parser> parser_;
  bool refusedAValue_ = false;
};

}  // namespace evalbridge
