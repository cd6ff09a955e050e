#include "genesys/ExportResultReader.h"

#include <typeinfo>

#include <Poco/JSON/Array.h>

#include "genesys/EvaluationProjection.h"

namespace evalbridge {

POCO_IMPLEMENT_EXCEPTION(MalformedResultError, Poco::DataFormatException, "Malformed export result")

namespace {
constexpr int kEnd = ExportResultReader::kEnd;
bool isSpace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool endsScalar(int c) { return c == kEnd || c == ',' || c == ']' || c == '}' || isSpace(c); }
}  // namespace

ExportResultReader::ExportResultReader(std::size_t maxValueBytes, std::string arrayMember)
    : maxValueBytes_(maxValueBytes), arrayMember_(std::move(arrayMember)) {}

bool ExportResultReader::refill() {
  pos_ = 0;
  const std::streamsize got = in_->sgetn(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  end_ = got > 0 ? static_cast<std::size_t>(got) : 0;
  return end_ > 0;
}

void ExportResultReader::skipSpace() {
  while (isSpace(peek())) next();
}

void ExportResultReader::fail(const std::string& what) const {
  throw MalformedResultError("byte " + std::to_string(offset_) + ": " + what);
}

void ExportResultReader::expect(char wanted, const char* context) {
  skipSpace();
  int c = next();
  if (c == kEnd) fail(std::string("the document ends early (expected '") + wanted + "' " + context + ")");
  if (c != wanted) fail(std::string("expected '") + wanted + "' " + context + ", found '" + static_cast<char>(c) + "'");
}

void ExportResultReader::captureString(std::string& out) {
  out.push_back(static_cast<char>(next()));  // the opening quote
  for (;;) {
    // The run of plain characters up to the next quote or backslash, in one append.
    std::size_t run = pos_;
    while (run < end_ && buffer_[run] != '"' && buffer_[run] != '\\') ++run;
    out.append(buffer_, pos_, run - pos_);
    offset_ += run - pos_;
    pos_ = run;
    if (out.size() > maxValueBytes_) fail("a value is larger than " + std::to_string(maxValueBytes_) + " bytes");
    int c = next();
    if (c == kEnd) fail("the document ends inside a string");
    out.push_back(static_cast<char>(c));
    if (c == '"') return;
    if (c == '\\') {
      int escaped = next();
      if (escaped == kEnd) fail("the document ends inside a string");
      out.push_back(static_cast<char>(escaped));
    }
  }
}

const std::string& ExportResultReader::captureValue() {
  skipSpace();
  // Reused: an element's text costs no allocation once the buffer has grown, but one huge
  // element does not keep its buffer for the rest of the document.
  if (value_.capacity() > kKeptBufferBytes) std::string().swap(value_);
  std::string& out = value_;
  out.clear();
  int c = peek();
  if (c == kEnd) fail("the document ends where a value was expected");
  if (c == '"') {
    captureString(out);
    return out;
  }
  if (c != '{' && c != '[') {
    while (!endsScalar(peek())) {
      out.push_back(static_cast<char>(next()));
      if (out.size() > 64) fail("a number or literal is implausibly long");
    }
    if (out.empty()) fail(std::string("expected a value, found '") + static_cast<char>(c) + "'");
    return out;
  }
  // An object or array: follow the brackets (outside strings) to its end. Whether the brackets
  // pair up correctly is checked when the text is parsed.
  int depth = 0;
  for (;;) {
    c = peek();
    if (c == kEnd) fail("the document ends inside an object or array");
    if (c == '"') {
      captureString(out);
    } else {
      out.push_back(static_cast<char>(next()));
      if (c == '{' || c == '[') {
        if (++depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return out;
      }
    }
    if (out.size() > maxValueBytes_) fail("a value is larger than " + std::to_string(maxValueBytes_) + " bytes");
  }
}

Poco::Dynamic::Var ExportResultReader::parse(const std::string& text) {
  try {
    parser_.reset();
    if (!text.empty() && (text[0] == '{' || text[0] == '[')) return parser_.parse(text);
    // Poco's handler only accepts a container at the top: a scalar is read as [scalar][0].
    auto wrapped = parser_.parse("[" + text + "]").extract<Poco::JSON::Array::Ptr>();
    if (wrapped->size() != 1) fail("not a single JSON value");
    return wrapped->get(0);
  } catch (const MalformedResultError&) {
    throw;
  } catch (const Poco::Exception& e) {
    fail("not valid JSON (" + e.displayText() + ")");
  }
}

Poco::JSON::Object::Ptr ExportResultReader::entityOf(const std::string& raw, std::string& problem) {
  if (projector_ != nullptr) return projector_->project(raw, problem);
  try {
    Poco::Dynamic::Var value = parse(raw);
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) return value.extract<Poco::JSON::Object::Ptr>();
    problem = "not a JSON object";
  } catch (const MalformedResultError& e) {
    problem = e.message();  // this element only: the scanner found where it ends
  }
  return nullptr;
}

Poco::JSON::Object::Ptr ExportResultReader::read(std::istream& in, const EntityHandler& onEntity) {
  in_ = in.rdbuf();
  offset_ = 0;
  pos_ = end_ = 0;
  if (in_ == nullptr) fail("no input");
  Poco::JSON::Object::Ptr rest = new Poco::JSON::Object;
  expect('{', "at the start of the document");
  skipSpace();
  if (peek() == '}') {
    next();
  } else {
    for (std::size_t members = 1;; ++members) {
      if (members > kMaxMembers) fail("more than " + std::to_string(kMaxMembers) + " members at the top level");
      skipSpace();
      if (peek() != '"') fail("expected a member name");
      std::string keyText;
      captureString(keyText);
      const std::string key = parse(keyText).toString();
      expect(':', "after a member name");
      skipSpace();
      if (key == arrayMember_ && peek() == '[') {
        next();
        skipSpace();
        if (peek() == ']') {
          next();
        } else {
          for (;;) {
            const std::string& raw = captureValue();
            std::string problem;
            const Poco::JSON::Object::Ptr entity = entityOf(raw, problem);
            onEntity(entity, raw, problem);
            skipSpace();
            int c = next();
            if (c == ']') break;
            if (c != ',')
              fail(c == kEnd ? "the document ends inside \"" + arrayMember_ + "\""
                             : "expected ',' or ']' in \"" + arrayMember_ + "\"");
          }
        }
      } else {
        const std::string& raw = captureValue();
        if (key == arrayMember_) {
          if (!parse(raw).isEmpty()) fail("\"" + arrayMember_ + "\" is not an array");
        } else if (raw.size() <= kMaxKeptMemberBytes && raw[0] != '{' && raw[0] != '[') {
          rest->set(key, parse(raw));  // a cursor, a page number: small scalars are all a caller reads
        }
      }
      skipSpace();
      int c = next();
      if (c == '}') break;
      if (c != ',') fail(c == kEnd ? "the document ends inside the top-level object" : "expected ',' or '}' after a member");
    }
  }
  skipSpace();
  if (peek() != kEnd) fail("unexpected data after the document");
  return rest;
}

}  // namespace evalbridge
