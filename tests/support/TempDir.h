#pragma once
// A fresh directory under the system temp folder, removed with everything in it at scope exit.
#include <string>

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

namespace evalbridge::test {

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
  std::string file(const std::string& name) const { return Poco::Path(path_, name).toString(); }

 private:
  std::string path_;
};

}  // namespace evalbridge::test
