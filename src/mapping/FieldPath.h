#pragma once
// A dotted path into an evaluation: "answers.totalScore", "answers.questionGroupScores[0].totalScore",
// "mediaType[0]". Parsed once when a mapping loads; looked up for every evaluation.
#include <cstddef>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "mapping/Value.h"

namespace evalbridge {
namespace mapping {

class FieldPath {
 public:
  struct SyntaxError {
    std::string reason;      // "empty segment", "index must be a non-negative integer", ...
    std::size_t offset = 0;  // byte offset of the problem inside the path text
  };

  // Grammar: NAME ("[" DIGITS "]")* ("." NAME ("[" DIGITS "]")*)*, NAME made of ASCII letters,
  // digits, '_', '-', '$', '@' and non-ASCII (UTF-8) bytes. Returns false and fills `error`
  // when `text` does not follow it.
  static bool parse(const std::string& text, FieldPath& out, SyntaxError& error);

  // Looks the path up; never throws. A step into a non-object, a non-array or past the end of an
  // array gives Missing; a JSON null anywhere gives Null.
  Value lookup(const Poco::JSON::Object& root) const;

  const std::string& text() const { return text_; }

  struct Step {
    std::string key;  // empty for an index step
    std::size_t index = 0;
    bool isIndex = false;
  };
  // The path's steps in order (the evaluation projection walks them on the raw text).
  const std::vector<Step>& steps() const { return steps_; }

 private:
  std::string text_;
  std::vector<Step> steps_;
};

}  // namespace mapping
}  // namespace evalbridge
