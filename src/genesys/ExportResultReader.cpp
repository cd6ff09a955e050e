#include "genesys/ExportResultReader.h"

#include <algorithm>
#include <cstring>
#include <typeinfo>

#include <Poco/JSON/Array.h>

#include "genesys/EvaluationProjection.h"

namespace evalbridge {

POCO_IMPLEMENT_EXCEPTION(MalformedResultError, Poco::DataFormatException, "Malformed export result")

namespace {
constexpr int kEnd = ExportResultReader::kEnd;
bool isSpace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool endsScalar(int c) { return c == kEnd || c == ',' || c == ']' || c == '}' || isSpace(c); }
bool isBracketOrQuote(char c) { return c == '"' || c == '{' || c == '}' || c == '[' || c == ']'; }
}  // namespace

ExportResultReader::ExportResultReader(std::size_t maxValueBytes, std::string arrayMember, std::size_t readAheadBytes)
    : maxValueBytes_(maxValueBytes),
      arrayMember_(std::move(arrayMember)),
      readAheadBytes_(std::max<std::size_t>(1, readAheadBytes)),
      buffer_(readAheadBytes_ + kReadablePadding, '\0') {}

bool ExportResultReader::refill() {
  if (captureStart_ != kNotCapturing) {
    // The value runs on into the next block: keep its part of this one.
    spilled_.append(buffer_, captureStart_, end_ - captureStart_);
    captureStart_ = 0;
  }
  pos_ = 0;
  const std::streamsize got = in_->sgetn(buffer_.data(), static_cast<std::streamsize>(readAheadBytes_));
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

void ExportResultReader::beginCapture() {
  // Reused: a value put together from two blocks costs no allocation once the buffer has grown,
  // but one huge value does not keep its buffer for the rest of the document.
  if (spilled_.capacity() > kKeptBufferBytes) std::string().swap(spilled_);
  spilled_.clear();
  captureStart_ = pos_;
}

std::size_t ExportResultReader::capturedBytes() const { return spilled_.size() + (pos_ - captureStart_); }

void ExportResultReader::checkCapturedSize() {
  if (capturedBytes() > maxValueBytes_) fail("a value is larger than " + std::to_string(maxValueBytes_) + " bytes");
}

std::string_view ExportResultReader::endCapture() {
  const std::size_t start = captureStart_;
  captureStart_ = kNotCapturing;
  if (spilled_.empty()) return std::string_view(buffer_.data() + start, pos_ - start);  // within one block
  spilled_.append(buffer_, start, pos_ - start);
  spilled_.reserve(spilled_.size() + kReadablePadding);
  return spilled_;
}

void ExportResultReader::skipString() {
  next();  // the opening quote
  for (;;) {
    // The run of plain characters up to the next quote or backslash, in one step (memchr looks at
    // many bytes at a time; most strings hold no backslash).
    const char* const from = buffer_.data() + pos_;
    const char* stop = static_cast<const char*>(std::memchr(from, '"', end_ - pos_));
    if (stop == nullptr) stop = buffer_.data() + end_;
    if (const void* escape = std::memchr(from, '\\', static_cast<std::size_t>(stop - from)))
      stop = static_cast<const char*>(escape);
    const std::size_t run = static_cast<std::size_t>(stop - buffer_.data());
    offset_ += run - pos_;
    pos_ = run;
    checkCapturedSize();
    const int c = next();
    if (c == kEnd) fail("the document ends inside a string");
    if (c == '"') return;
    if (c == '\\' && next() == kEnd) fail("the document ends inside a string");  // the escaped character
  }
}

void ExportResultReader::skipContainer() {
  // Follow the brackets (outside strings) to the end. Whether they pair up correctly is checked
  // when the text is parsed.
  int depth = 0;
  for (;;) {
    // The run of characters that are neither a bracket nor a quote, in one step.
    const char* const data = buffer_.data();
    std::size_t run = pos_;
    while (run < end_ && !isBracketOrQuote(data[run])) ++run;
    offset_ += run - pos_;
    pos_ = run;
    checkCapturedSize();
    const int c = peek();
    if (c == kEnd) fail("the document ends inside an object or array");
    if (c == '"') {
      skipString();
      continue;
    }
    next();
    if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return;
    }
  }
}

std::string_view ExportResultReader::captureValue() {
  skipSpace();
  const int c = peek();
  if (c == kEnd) fail("the document ends where a value was expected");
  beginCapture();
  if (c == '"') {
    skipString();
  } else if (c == '{' || c == '[') {
    skipContainer();
  } else {
    while (!endsScalar(peek())) {
      next();
      if (capturedBytes() > 64) fail("a number or literal is implausibly long");
    }
    if (capturedBytes() == 0) fail(std::string("expected a value, found '") + static_cast<char>(c) + "'");
  }
  return endCapture();
}

Poco::Dynamic::Var ExportResultReader::parse(std::string_view text) {
  try {
    parser_.reset();
    if (!text.empty() && (text[0] == '{' || text[0] == '[')) return parser_.parse(std::string(text));
    // Poco's handler only accepts a container at the top: a scalar is read as [scalar][0].
    auto wrapped = parser_.parse("[" + std::string(text) + "]").extract<Poco::JSON::Array::Ptr>();
    if (wrapped->size() != 1) fail("not a single JSON value");
    return wrapped->get(0);
  } catch (const MalformedResultError&) {
    throw;
  } catch (const Poco::Exception& e) {
    fail("not valid JSON (" + e.displayText() + ")");
  }
}

Poco::JSON::Object::Ptr ExportResultReader::entityOf(std::string_view raw, std::string& problem) {
  if (projector_ != nullptr) return projector_->project(raw, kReadablePadding, problem);
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
  captureStart_ = kNotCapturing;
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
      beginCapture();
      skipString();
      const std::string key = parse(endCapture()).toString();
      expect(':', "after a member name");
      skipSpace();
      if (key == arrayMember_ && peek() == '[') {
        next();
        skipSpace();
        if (peek() == ']') {
          next();
        } else {
          for (;;) {
            const std::string_view raw = captureValue();
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
        const std::string_view raw = captureValue();
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
