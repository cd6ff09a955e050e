#pragma once
// A fresh directory under the system temp folder, removed with everything in it at scope exit,
// and reading and writing whole files (the tests' config, mapping and secret files).
#include <fstream>
#include <sstream>
#include <string>

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

namespace evalbridge::test {

inline void writeText(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
}

// The whole file, byte for byte ("" when it cannot be read).
inline std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class TempDir {
 public:
  TempDir() : path_(Poco::TemporaryFile::tempName()) { Poco::File(path_).createDirectories(); }
  ~TempDir() {
    try {
      Poco::File(path_).remove(true);
    } catch (...) {
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // `name` may contain folders ("secrets/eu-secret").
  std::string file(const std::string& name) const { return Poco::Path(path_, name).toString(); }
  // Writes `content` to file(name), creating the folders on the way; returns the path.
  std::string write(const std::string& name, const std::string& content) const {
    const std::string path = file(name);
    Poco::File(Poco::Path(path).parent()).createDirectories();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

 private:
  std::string path_;
};

}  // namespace evalbridge::test
