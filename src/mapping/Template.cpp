#include "mapping/Template.h"

#include "common/Errors.h"

namespace evalbridge {
namespace mapping {

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

[[noreturn]] void fail(const std::string& jsonPath, const std::string& reason, std::size_t offset) {
  throw ConfigError(jsonPath + ": " + reason + " at offset " + std::to_string(offset));
}

}  // namespace

Template Template::parse(const std::string& text, const std::string& jsonPath) {
  Template t;
  const std::size_t n = text.size();
  std::size_t i = 0;
  std::string literal;
  auto flushLiteral = [&]() {
    if (literal.empty()) return;
    Part p;
    p.literal = std::move(literal);
    t.literalSize_ += p.literal.size();
    t.parts_.push_back(std::move(p));
    literal.clear();
  };
  while (i < n) {
    if (!(text[i] == '{' && i + 1 < n && text[i + 1] == '{')) {
      literal += text[i++];
      continue;
    }
    const std::size_t open = i;
    if (text.find("}}", open + 2) == std::string::npos) fail(jsonPath, "unclosed '{{'", open);
    i += 2;
    while (i < n && isSpace(text[i])) ++i;
    // The path runs to whitespace, "??", "}}", a quote or the end; FieldPath judges its characters.
    const std::size_t pathStart = i;
    while (i < n && !isSpace(text[i]) && text[i] != '"' && text.compare(i, 2, "}}") != 0 &&
           text.compare(i, 2, "??") != 0)
      ++i;
    std::string pathText = text.substr(pathStart, i - pathStart);
    Part part;
    part.isField = true;
    FieldPath::SyntaxError err;
    if (pathText.empty()) {
      if (i == n) fail(jsonPath, "unclosed '{{'", open);
      fail(jsonPath, "empty path in '{{ }}'", pathStart);
    }
    if (!FieldPath::parse(pathText, part.path, err)) {
      fail(jsonPath, "bad path '" + pathText + "': " + err.reason, pathStart + err.offset);
    }
    while (i < n && isSpace(text[i])) ++i;
    if (i < n && text.compare(i, 2, "??") == 0) {
      i += 2;
      while (i < n && isSpace(text[i])) ++i;
      if (i == n) fail(jsonPath, "unclosed '{{'", open);
      if (text[i] != '"') fail(jsonPath, "the default after ?? must be a double-quoted string", i);
      const std::size_t quote = i++;
      bool closed = false;
      while (i < n) {
        char c = text[i];
        if (c == '"') {
          closed = true;
          ++i;
          break;
        }
        if (c == '\\') {
          if (i + 1 < n && (text[i + 1] == '"' || text[i + 1] == '\\')) {
            part.fallback += text[i + 1];
            i += 2;
            continue;
          }
          fail(jsonPath, "bad escape in default string (only \\\" and \\\\ are allowed)", i);
        }
        part.fallback += c;
        ++i;
      }
      if (!closed) fail(jsonPath, "unterminated default string", quote);
      part.hasDefault = true;
      while (i < n && isSpace(text[i])) ++i;
    }
    if (i == n) fail(jsonPath, "unclosed '{{'", open);
    if (text.compare(i, 2, "}}") != 0) {
      fail(jsonPath, part.hasDefault ? "expected '}}'" : "expected '}}' or '?? \"default\"'", i);
    }
    i += 2;
    flushLiteral();
    t.parts_.push_back(std::move(part));
  }
  flushLiteral();
  return t;
}

void Template::collectPaths(std::vector<const FieldPath*>& out) const {
  for (const Part& part : parts_)
    if (part.isField) out.push_back(&part.path);
}

std::string Template::render(const Poco::JSON::Object& evaluation) const {
  std::string out;
  out.reserve(literalSize_ + 16 * parts_.size());
  for (const Part& p : parts_) {
    if (!p.isField) {
      out += p.literal;
      continue;
    }
    Value v = p.path.lookup(evaluation);
    if (v.absent()) {
      if (p.hasDefault) out += p.fallback;
    } else {
      out += v.text();
    }
  }
  return out;
}

}  // namespace mapping
}  // namespace evalbridge
