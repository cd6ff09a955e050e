#include "server/PortFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

#include "common/Errors.h"

namespace evalbridge {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw ConfigError("--port-file: cannot " + what + " " + path + ": " + std::strerror(error));
}

// Creates a file that did not exist, owner-only, never through a symlink; retries a taken name.
int createExclusively(const std::string& directory, std::string& name) {
  for (int attempt = 0;; ++attempt) {
    name = Poco::TemporaryFile::tempName(directory);
    const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd >= 0) return fd;
    if (errno != EEXIST || attempt == 10) fail("create", name, errno);
  }
}

}  // namespace

void writePortFile(const std::string& path, const std::string& address) {
  Poco::Path target(path);
  target.makeAbsolute();
  std::string temporary;
  const int fd = createExclusively(target.parent().toString(), temporary);
  const std::string text = address + "\n";
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      fail("write", temporary, error);
    }
    written += static_cast<std::size_t>(n);
  }
  // The mode is set on the descriptor too: whatever the umask, the file ends up exactly 0600.
  const bool owned = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
  const int chmodError = errno;
  if (!owned || ::close(fd) != 0) {
    const int error = owned ? errno : chmodError;
    if (!owned) ::close(fd);
    ::unlink(temporary.c_str());
    fail("write", temporary, error);
  }
  if (std::rename(temporary.c_str(), target.toString().c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    fail("replace", path, error);
  }
}

}  // namespace evalbridge
