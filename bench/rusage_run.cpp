// evalbridge-rusage: runs one command as a child and prints what it cost, as one JSON line on
// stderr (or to --out FILE):  {"exit":0,"wallS":1.23,"userS":0.9,"sysS":0.1,"maxRssKb":41234}
//   evalbridge-rusage [--out FILE] -- COMMAND [ARGS...]
// Why a helper: Linux starts a child's ru_maxrss from its parent's resident set at fork/exec
// (exec records the old mm's high-water mark), so measuring from the Python orchestrator would
// floor every figure at Python's own ~10-20 MB. This process is ~1-2 MB.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  const char* out = nullptr;
  int i = 1;
  for (; i < argc; ++i) {
    if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else if (std::strcmp(argv[i], "--") == 0) {
      ++i;
      break;
    } else {
      break;
    }
  }
  if (i >= argc) {
    std::fprintf(stderr, "usage: evalbridge-rusage [--out FILE] -- COMMAND [ARGS...]\n");
    return 2;
  }
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[i], argv + i);
    std::fprintf(stderr, "evalbridge-rusage: %s: %s\n", argv[i], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE* sink = out ? std::fopen(out, "w") : stderr;
  if (!sink) {
    std::perror(out);
    return 2;
  }
  std::fprintf(sink, "{\"exit\":%d,\"wallS\":%.4f,\"userS\":%.4f,\"sysS\":%.4f,\"maxRssKb\":%ld}\n", code, wall,
               usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6, usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6,
               usage.ru_maxrss);
  if (out) std::fclose(sink);
  return code;
}
