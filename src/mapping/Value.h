#pragma once
// A value looked up in an evaluation, classified once so conditions, templates and field rules
// agree on what "missing", "number" or "string" means, plus the text renderings they share.
// Nothing here throws for data reasons: a Var of a type JSON cannot produce is Kind::Other.
#include <string>

#include <Poco/Dynamic/Var.h>

namespace evalbridge {
namespace mapping {

struct Value {
  enum class Kind { Missing, Null, String, Number, Bool, Object, Array, Other };

  Kind kind = Kind::Missing;
  Poco::Dynamic::Var var;  // the raw value (empty for Missing/Null)
  double number = 0;       // Kind::Number (integers beyond 2^53 are approximate here)
  bool boolean = false;    // Kind::Bool
  bool integral = false;   // Kind::Number held as an integer: rendered exactly
  bool negative = false;   // integral and below zero: the value is `signedInt`, else `unsignedInt`
  Poco::Int64 signedInt = 0;
  Poco::UInt64 unsignedInt = 0;

  // Classifies a raw Var; `found` tells Missing (no such key/index) from Null.
  static Value of(const Poco::Dynamic::Var& var, bool found = true);

  bool absent() const { return kind == Kind::Missing || kind == Kind::Null; }
  const std::string& string() const;  // Kind::String only

  // The text a template or map lookup sees: strings as-is, numbers via formatNumber (integers
  // exactly), booleans "true"/"false", objects/arrays as compact JSON, missing/null as "".
  std::string text() const;

  // For skip reasons: strings JSON-quoted, "missing", "null", values cut to about maxChars.
  std::string describe(std::size_t maxChars = 60) const;
};

// A scalar written in a mapping file (condition operand, map value, literal field, range value).
struct Literal {
  enum class Kind { String, Number, Bool };

  Kind kind = Kind::String;
  std::string string;  // Kind::String
  double number = 0;   // Kind::Number
  bool boolean = false;
  std::string text;  // rendered as a field value would be
  std::string json;  // as written in JSON, for messages

  // Accepts a JSON string, number or boolean; returns false for anything else.
  static bool from(const Poco::Dynamic::Var& var, Literal& out);

  // Same type and equal value; numbers compare numerically.
  bool equals(const Value& value) const;
};

// Shortest text that reads back to the same double, laid out like JavaScript's Number#toString:
// 62.5 -> "62.5", 70.0 -> "70", 1e21 -> "1e+21", 1e-7 -> "1e-7", 0.000001 -> "0.000001".
std::string formatNumber(double value);

// JSON string literal (with quotes), escaping quotes, backslashes and control characters.
std::string jsonQuote(const std::string& text);

// Cuts text to at most maxBytes without splitting a UTF-8 sequence, adding "..." when cut.
std::string truncateText(const std::string& text, std::size_t maxBytes);

// "$.fields" + "urgency" -> "$.fields.urgency"; keys that are not identifiers use ["..."].
std::string childPath(const std::string& parent, const std::string& key);
std::string indexPath(const std::string& parent, std::size_t index);

// "a string", "a number", "null", ... for load errors.
std::string jsonTypeName(const Poco::Dynamic::Var& var);

}  // namespace mapping
}  // namespace evalbridge
