// Replays every input the fuzzers found (tests/data/fuzz-regressions/<target>/) exactly as the
// fuzz targets run them (fuzz/FuzzEntryPoints.h), in the normal and sanitizer builds; plus the
// streaming export-result parser's contract on hand-written documents.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>

#include "../fuzz/FuzzEntryPoints.h"

using namespace evalbridge;

namespace {

std::vector<std::string> regressionFiles(const std::string& target) {
  std::vector<std::string> files;
  const std::string folder = std::string(EVALBRIDGE_SOURCE_DIR) + "/tests/data/fuzz-regressions/" + target;
  for (Poco::DirectoryIterator it(folder), end; it != end; ++it)
    if (it->isFile()) files.push_back(it->path());
  return files;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct ReadResult {
  std::vector<std::string> ids;  // id of each object entity, "<raw>" for other elements
  std::vector<std::string> problems;  // why each non-object element was not an evaluation
  Poco::JSON::Object::Ptr rest;
};

ReadResult readDocument(const std::string& text, const std::string& arrayMember = "entities") {
  std::istringstream in(text);
  ReadResult result;
  ExportResultReader reader(ExportResultReader::kDefaultMaxValueBytes, arrayMember);
  result.rest = reader.read(in, [&](const Poco::JSON::Object::Ptr& entity, std::string_view raw,
                                    const std::string& problem) {
    result.ids.push_back(entity ? entity->optValue<std::string>("id", "?") : "<" + std::string(raw) + ">");
    if (!entity) result.problems.push_back(problem);
  });
  return result;
}

}  // namespace

TEST_CASE("every export-result regression input is handled without crashing") {
  auto files = regressionFiles("export-result");
  REQUIRE_FALSE(files.empty());
  for (const auto& file : files) {
    INFO(file);
    std::string data = readFile(file);
    CHECK_NOTHROW(fuzz::exportResult(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
  }
}

TEST_CASE("every mapping regression input is handled without crashing") {
  auto files = regressionFiles("mapping");
  REQUIRE_FALSE(files.empty());
  for (const auto& file : files) {
    INFO(file);
    std::string data = readFile(file);
    CHECK_NOTHROW(fuzz::mappingFile(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
  }
}

TEST_CASE("the export-result reader yields each entity in order, with the other members") {
  auto result = readDocument(R"( {"cursor": "c2", "entities": [ {"id":"a","n":{"x":[1,{"y":"}]"}]}} ,
    {"id":"b\"q"}, 42, "text", null ], "total": 3 } )");
  CHECK(result.ids == std::vector<std::string>{"a", "b\"q", "<42>", "<\"text\">", "<null>"});
  CHECK(result.rest->getValue<std::string>("cursor") == "c2");
  CHECK(result.rest->getValue<int>("total") == 3);
  CHECK(readDocument(R"({"entities":[]})").ids.empty());
  CHECK(readDocument(R"({})").ids.empty());
  CHECK(readDocument(R"({"entities":null,"cursor":null})").ids.empty());
}

TEST_CASE("the export-result reader rejects what is not one complete JSON document") {
  for (const char* bad : {"", "[]", "{", R"({"entities":[{"id":"a"})", R"({"entities":[{"id":"a"},]})",
                          R"({"entities":{"id":"a"}})", R"({"entities":[]} x)", R"({"cursor" "x"})",
                          R"({"entities":[1 2]})"}) {
    INFO(bad);
    CHECK_THROWS_AS(readDocument(bad), MalformedResultError);
  }
  std::string deep = R"({"entities":[)" + std::string(65, '[') + std::string(65, ']') + "]}";
  CHECK_THROWS_WITH(readDocument(deep), Catch::Contains("nesting deeper than 64"));
}

TEST_CASE("one poisoned element costs that element: the rest of the page is read") {
  // Each poison is valid to the scanner (it can tell where the element ends) but not to Poco's
  // parser: a lone UTF-16 surrogate, a number beyond double, an integer beyond 64 bits, a raw
  // control character in a string, a bad literal, brackets that do not pair.
  for (const std::string poison : {R"({"id":"p","agent":{"name":"\ud83d"}})", R"({"id":"p","answers":{"totalScore":1e400}})",
                                   R"({"id":"p","n":123456789012345678901234567890})",
                                   "{\"id\":\"p\",\"c\":\"a\x01b\"}", R"({"id":tru})", R"({"id":"p"])"}) {
    INFO(poison);
    auto result = readDocument(R"({"results":[{"id":"good1"},)" + poison + R"(,{"id":"good2"}],"pageNumber":3})", "results");
    REQUIRE(result.ids.size() == 3);
    CHECK(result.ids[0] == "good1");
    CHECK(result.ids[1] == "<" + poison + ">");  // the raw text, for the dead letter
    CHECK(result.ids[2] == "good2");
    REQUIRE(result.problems.size() == 1);
    CHECK_FALSE(result.problems[0].empty());
    CHECK(result.rest->getValue<int>("pageNumber") == 3);
  }
}

TEST_CASE("members besides the array are kept only as small scalars, and only so many") {
  // 10,000 unknown members of 1 KiB each: refused at the 1,001st, having kept none of them.
  std::string many = R"({"entities":[{"id":"a"}])";
  const std::string value = "\"" + std::string(1024, 'v') + "\"";
  for (int i = 0; i < 10000; ++i) many += ",\"m" + std::to_string(i) + "\":" + value;
  many += "}";
  CHECK_THROWS_WITH(readDocument(many), Catch::Contains("more than 1000 members"));
  auto kept = readDocument(R"({"entities":[],"cursor":"c","big":")" + std::string(5000, 'x') +
                           R"(","obj":{"a":1},"arr":[1,2]})");
  CHECK(kept.rest->has("cursor"));
  CHECK_FALSE(kept.rest->has("big"));
  CHECK_FALSE(kept.rest->has("obj"));
  CHECK_FALSE(kept.rest->has("arr"));
}

TEST_CASE("the export-result reader holds one entity at a time, not the document") {
  // A stream that produces a large document lazily: if the reader buffered it whole, the
  // handler would only run at the end; here it runs while most of the input is still unread.
  struct Generated : std::streambuf {
    int total;
    int produced = 0;
    std::string chunk;
    explicit Generated(int n) : total(n) { chunk = R"({"entities":[)"; setg(&chunk[0], &chunk[0], &chunk[0] + chunk.size()); }
    int_type underflow() override {
      if (produced > total) return traits_type::eof();
      chunk = produced < total ? std::string(produced ? "," : "") + R"({"id":"e)" + std::to_string(produced) + R"(","pad":")" + std::string(1000, 'x') + "\"}"
                               : std::string("]}");
      ++produced;
      setg(&chunk[0], &chunk[0], &chunk[0] + chunk.size());
      return traits_type::to_int_type(chunk[0]);
    }
  } source(5000);
  std::istream in(&source);
  ExportResultReader reader;
  int seen = 0;
  int maxAhead = 0;
  reader.read(in, [&](const Poco::JSON::Object::Ptr& entity, std::string_view, const std::string&) {
    REQUIRE(entity);
    CHECK(entity->getValue<std::string>("id") == "e" + std::to_string(seen));
    maxAhead = std::max(maxAhead, source.produced - seen);
    ++seen;
  });
  CHECK(seen == 5000);
  // The reader never read more than its block of read-ahead (64 elements of ~1 KB here) ahead.
  CHECK(maxAhead <= 2 + static_cast<int>(ExportResultReader::kReadAheadBytes / 1000));
}

TEST_CASE("an element's text is exact wherever a read-ahead block ends inside it, with and without the projector") {
  // Elements of many lengths (a string with escapes, nested containers), and a few longer than a
  // whole block: the blocks end inside strings, escapes, brackets and between elements. The text
  // handed out must be the element's own bytes either way: a view of one block, or the part of
  // each block it spans put together (which is what the projector then parses in place).
  std::vector<std::string> elements;
  for (int i = 0; i < 400; ++i) {
    const std::size_t pad = static_cast<std::size_t>(i) * 331 % 2900;
    elements.push_back(R"({"id":"e)" + std::to_string(i) + R"(","s":"a\"b\\)" + std::string(pad, 'x') +
                       R"(","n":[1,{"k":"v]}"}],"answers":{"totalScore":)" + std::to_string(i % 100) + "}}");
  }
  for (std::size_t size : {70000, 140000, 65536}) {
    elements.push_back(R"({"id":"big)" + std::to_string(size) + R"(","s":")" + std::string(size, 'y') + "\"}");
  }
  std::string document = R"({"cursor":"c","entities":[)";
  for (std::size_t i = 0; i < elements.size(); ++i) document += (i ? ",\n " : "") + elements[i];
  document += "]}";
  REQUIRE(document.size() > 6 * ExportResultReader::kReadAheadBytes);

  static const auto paths = projectionFor(fuzz::sampleMapping());
  for (const bool projected : {false, true}) {
    INFO("projector: " << projected);
    std::istringstream in(document);
    EvaluationProjector projector(paths);
    ExportResultReader reader;
    if (projected) reader.setProjector(&projector);
    std::size_t seen = 0;
    reader.read(in, [&](const Poco::JSON::Object::Ptr& entity, std::string_view raw, const std::string& problem) {
      REQUIRE(seen < elements.size());
      INFO("element " << seen << ": " << problem);
      CHECK(raw == elements[seen]);
      REQUIRE(entity);
      const std::string id = entity->getValue<std::string>("id");
      CHECK(elements[seen].compare(0, 8 + id.size(), R"({"id":")" + id + "\"") == 0);
      if (projected && !projectedSkipCode(entity)) CHECK(projectedRawText(entity) == elements[seen]);
      ++seen;
    });
    CHECK(seen == elements.size());
  }
}

TEST_CASE("a read-ahead block that ends at any byte of a string, an escape or its closing quote cuts nothing") {
  // Each byte around the end of the first block: a plain character, a backslash, the character it
  // escapes, the closing quote. What follows the block's end must be read for what it is.
  const std::string prefix = R"({"entities":[{"id":"a","s":")";
  const std::size_t block = ExportResultReader::kReadAheadBytes;
  for (std::size_t shift = 0; shift < 8; ++shift) {
    INFO("shift " << shift);
    const std::string first = prefix.substr(13) + std::string(block - prefix.size() - shift, 'z') + R"(\"q"})";
    const std::string second = R"({"id":"b","t":"\\"})";
    std::istringstream in(prefix.substr(0, 13) + first + "," + second + "]}");
    std::vector<std::string> raws;
    std::vector<std::string> ids;
    ExportResultReader reader;
    reader.read(in, [&](const Poco::JSON::Object::Ptr& entity, std::string_view raw, const std::string&) {
      raws.emplace_back(raw);
      ids.push_back(entity ? entity->getValue<std::string>("id") : "?");
    });
    CHECK(raws == std::vector<std::string>{first, second});
    CHECK(ids == std::vector<std::string>{"a", "b"});
  }
}

TEST_CASE("the export-result reader yields the same elements and members whatever its read-ahead block") {
  // Blocks of 1 to 40 bytes end at every kind of byte: inside strings, escapes, numbers, literals,
  // nested brackets, member names, and the whitespace between them.
  const std::string document = R"( {"cursor" : "c\"2", "entities" : [ {"id":"a","n":{"x":[1,{"y":"}]\\"}]}} ,
    {"id":"b\"q", "u":"\u00e9"} , 42 , "te\\xt", null, true, [1, [2]], -1.5e3 ], "total": 3 } )";
  std::vector<std::string> expected;
  std::string expectedCursor;
  for (std::size_t block : {std::size_t(ExportResultReader::kReadAheadBytes), std::size_t(1), std::size_t(2),
                            std::size_t(3), std::size_t(5), std::size_t(8), std::size_t(13), std::size_t(40)}) {
    INFO("block " << block);
    std::istringstream in(document);
    ExportResultReader reader(ExportResultReader::kDefaultMaxValueBytes, "entities", block);
    std::vector<std::string> raws;
    const auto rest = reader.read(in, [&](const Poco::JSON::Object::Ptr&, std::string_view raw, const std::string&) {
      raws.emplace_back(raw);
    });
    if (expected.empty()) {
      expected = raws;
      expectedCursor = rest->getValue<std::string>("cursor");
      REQUIRE(expected.size() == 8);
      CHECK(expected[1] == R"({"id":"b\"q", "u":"\u00e9"})");
      CHECK(expectedCursor == "c\"2");
    }
    CHECK(raws == expected);
    CHECK(rest->getValue<std::string>("cursor") == expectedCursor);
    CHECK(rest->getValue<int>("total") == 3);
  }
  // A refusal is a refusal at any block size.
  for (std::size_t block : {std::size_t(1), std::size_t(4), std::size_t(ExportResultReader::kReadAheadBytes)}) {
    std::istringstream in(R"({"entities":[{"id":"a"},{"id":"b})");
    ExportResultReader reader(ExportResultReader::kDefaultMaxValueBytes, "entities", block);
    CHECK_THROWS_AS(reader.read(in, [](const Poco::JSON::Object::Ptr&, std::string_view, const std::string&) {}),
                    MalformedResultError);
  }
}
