#pragma once
// The system's limit on threads, for real, in a child process: RLIMIT_NPROC counts every thread
// of the user, and a soft limit of 0 refuses each new one (the hard limit stays, so the soft one
// can come back). Root ignores the limit, so a root process becomes `nobody` first; whatever the
// child must read or write then belongs to nobody (giveToNobody, before the fork).
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/Errors.h"
#include "support/Eventually.h"

namespace evalbridge::test {

inline const passwd& nobodyUser() {
  static const passwd* nobody = ::getpwnam("nobody");
  if (!nobody) throw std::runtime_error("no user `nobody` to test the limit on threads with");
  return *nobody;
}

// A root test runner hands `dir` and everything in it to nobody (a child that became nobody
// reads and writes there); for any other runner, nothing changes.
inline void giveToNobody(const std::string& dir) {
  if (::geteuid() != 0) return;
  const passwd& nobody = nobodyUser();
  auto give = [&](const std::filesystem::path& path) {
    if (::chown(path.c_str(), nobody.pw_uid, nobody.pw_gid) != 0)
      throw std::runtime_error("cannot hand " + path.string() + " to nobody");
  };
  give(dir);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) give(entry.path());
}

// Sets this process's soft limit on `resource` to `value` (RLIM_INFINITY: as far as the hard
// limit); false when refused.
inline bool setSoftLimit(decltype(RLIMIT_NPROC) resource, rlim_t value) {
  rlimit limit{};
  if (::getrlimit(resource, &limit) != 0) return false;
  limit.rlim_cur = value == RLIM_INFINITY ? limit.rlim_max : value;
  return ::setrlimit(resource, &limit) == 0;
}

// In the child: no new thread from here on. Exits the child (code 90/91) if it cannot.
inline void refuseNewThreads() {
  if (::geteuid() == 0) {
    const passwd& nobody = nobodyUser();
    if (::setgid(nobody.pw_gid) != 0 || ::setuid(nobody.pw_uid) != 0) {
      std::fprintf(stderr, "child: cannot become the user nobody to test the limit on threads\n");
      ::_exit(90);
    }
  }
  if (!setSoftLimit(RLIMIT_NPROC, 0)) ::_exit(91);
}

inline void allowNewThreads() { setSoftLimit(RLIMIT_NPROC, RLIM_INFINITY); }

// Runs `body` in a forked child and returns its exit code: the body returns 0 when everything
// held, else the number of the first check that failed (checkFailed says which on stderr). An
// exception is 99; a child that hangs is killed after `limit`: -1.
// The child gets only the forking thread; a lock another thread held at the fork stays held in
// the child for ever. glibc's allocator guards against that, AddressSanitizer's (GCC 12) does
// not: a child forked while a freshly started simulator's threads were still setting up hung in
// CI's sanitizer run. So fork with no other thread where the test allows it, and otherwise only
// once the simulator has settled (idle, its threads wait without holding a lock): the pause below.
inline int inChild(const std::function<int()>& body, std::chrono::seconds limit = std::chrono::seconds(30)) {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    int code = 99;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: unexpected exception: %s\n", errorText(e).c_str());
    }
    std::fflush(nullptr);
    ::_exit(code);  // no destructors, no exit handlers: the parent owns the rest
  }
  if (child < 0) throw std::runtime_error("fork failed");
  int status = 0;
  if (!eventually([&] { return ::waitpid(child, &status, WNOHANG) == child; }, limit)) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

inline int checkFailed(int number, const std::string& what) {
  std::fprintf(stderr, "child: check %d failed: %s\n", number, what.c_str());
  return number;
}

}  // namespace evalbridge::test
