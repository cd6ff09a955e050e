#pragma once
// Reads one results document -- {"entities": [...], "cursor": ...} from an export result page or
// the single pre-signed download, {"results": [...], "pageNumber": ...} from an evaluation
// search -- from a stream, one element at a time, so memory holds one evaluation and a 64 KiB
// read-ahead block (plus whatever batch the caller keeps), never the whole document. With a
// projector set, each element is read by simdjson and cut down to the paths the bridge reads
// (EvaluationProjection.h) instead of being parsed whole by Poco.
//
// One bad element costs one element: an element the scanner can delimit but the parser refuses (a
// lone UTF-16 surrogate, 1e400, an integer beyond 64 bits, a raw control character, brackets that
// do not pair) is handed over as malformed, with its raw text and the parser's reason, and the
// document goes on. Only a structural error (the document itself is not JSON, or breaks off)
// throws. Members other than the array are kept only when they are small scalars (a cursor, a
// page number), and a document with more than kMaxMembers members is refused, so an answer full
// of unknown members cannot fill memory.
//
// Why not hand the whole stream to Poco::JSON::Parser with a handler: Poco 1.11's parser (pdjson)
// copies an std::istream into one string before parsing, so it would hold the full export. Here a
// small scanner walks the document's outer structure (object, "entities" array) and cuts out each
// element's exact text, which the projector (or Poco::JSON::Parser) then parses on its own. The
// scanner is strict: anything that is not JSON, a truncated body, or nesting deeper than kMaxDepth
// throws MalformedResultError with the byte offset.
//
// An element's text is not copied while it is scanned: it is a view of the read-ahead block, and
// only an element that runs past the end of a block is put together in a buffer of its own. Both
// are followed by kReadablePadding readable bytes, so simdjson parses the element in place.
#include <cstddef>
#include <functional>
#include <istream>
#include <string>
#include <string_view>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace evalbridge {

class EvaluationProjector;

POCO_DECLARE_EXCEPTION(, MalformedResultError, Poco::DataFormatException)

class ExportResultReader {
 public:
  static constexpr int kMaxDepth = 64;
  static constexpr std::size_t kDefaultMaxValueBytes = 16 * 1024 * 1024;
  static constexpr std::size_t kMaxMembers = 1000;
  static constexpr std::size_t kMaxKeptMemberBytes = 4096;
  static constexpr int kEnd = std::char_traits<char>::eof();  // what peek() and next() give at the end
  static constexpr std::size_t kReadAheadBytes = 64 * 1024;     // read from the stream a block at a time
  static constexpr std::size_t kKeptBufferBytes = 256 * 1024;   // an element buffer larger than this is freed
  // Readable bytes after every element text handed out (simdjson reads up to 64 past the end).
  static constexpr std::size_t kReadablePadding = 64;

  // `entity` is the element when it is a JSON object, else null: a malformed record, whose text is
  // `raw` (so it can be kept in the dead letter) and `problem` says why. `raw` is valid only
  // during the call.
  using EntityHandler =
      std::function<void(const Poco::JSON::Object::Ptr& entity, std::string_view raw, const std::string& problem)>;

  // `readAheadBytes` other than the default only to test the reader: every block boundary is a
  // case its scanner must get right.
  explicit ExportResultReader(std::size_t maxValueBytes = kDefaultMaxValueBytes, std::string arrayMember = "entities",
                              std::size_t readAheadBytes = kReadAheadBytes);

  // Elements are read by `projector` (cut down to the paths the bridge reads, see
  // EvaluationProjection.h) instead of being parsed whole by Poco. Not owned; null: Poco.
  void setProjector(EvaluationProjector* projector) { projector_ = projector; }

  // Reads the whole document from `in`, calling `onEntity` for each element of "entities" in
  // order. Returns the document's other members (e.g. "cursor"). Throws MalformedResultError.
  Poco::JSON::Object::Ptr read(std::istream& in, const EntityHandler& onEntity);

 private:
  int peek() { return pos_ < end_ || refill() ? static_cast<unsigned char>(buffer_[pos_]) : kEnd; }
  int next() {
    if (pos_ >= end_ && !refill()) return kEnd;
    ++offset_;
    return static_cast<unsigned char>(buffer_[pos_++]);
  }
  // Reads the next block; while a value is being captured, first keeps its part of this one.
  bool refill();
  void skipSpace();
  void expect(char wanted, const char* context);
  // The next value's exact text (valid until the next call), followed by kReadablePadding
  // readable bytes.
  std::string_view captureValue();
  void beginCapture();
  std::string_view endCapture();
  std::size_t capturedBytes() const;
  void checkCapturedSize();
  void skipString();
  void skipContainer();
  Poco::Dynamic::Var parse(std::string_view text);
  Poco::JSON::Object::Ptr entityOf(std::string_view raw, std::string& problem);
  [[noreturn]] void fail(const std::string& what) const;

  std::size_t maxValueBytes_;
  std::string arrayMember_;
  std::streambuf* in_ = nullptr;
  std::size_t offset_ = 0;
  // Read from the stream a block at a time (a byte at a time through std::streambuf cost a third
  // of the reader's time), and scanned with plain indexes. Only the first readAheadBytes_ are
  // filled: the rest is the padding after a view of the block.
  std::size_t readAheadBytes_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  // While a value is captured: where it starts in the block (kNotCapturing otherwise), and its
  // bytes from earlier blocks when it runs past the end of one.
  static constexpr std::size_t kNotCapturing = static_cast<std::size_t>(-1);
  std::size_t captureStart_ = kNotCapturing;
  std::string spilled_;
  Poco::JSON::Parser parser_;
  EvaluationProjector* projector_ = nullptr;
};

}  // namespace evalbridge
