#pragma once
// Child processes for tests, in one place: run the real `evalbridge` binary (or another
// executable) to the end and capture its exit code, stdout and stderr (runProcess,
// runEvalbridge), or start it and keep the handle to kill, signal or wait for it (BridgeProcess,
// for crash and daemon tests; ChildProcess for any other executable).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

extern char** environ;

namespace evalbridge::test {

struct ProcessResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

inline ProcessResult runProcess(const std::string& executable, const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& env = {}, const std::string& workingDir = "") {
  Poco::Pipe outPipe, errPipe;
  Poco::Process::Env environment(env.begin(), env.end());
  Poco::ProcessHandle handle =
      Poco::Process::launch(executable, args, workingDir, nullptr, &outPipe, &errPipe, environment);
  ProcessResult result;
  // Drain stderr on its own thread so a chatty child never blocks on a full pipe.
  std::thread errReader([&] {
    Poco::PipeInputStream stream(errPipe);
    Poco::StreamCopier::copyToString(stream, result.err);
  });
  Poco::PipeInputStream outStream(outPipe);
  Poco::StreamCopier::copyToString(outStream, result.out);
  errReader.join();
  result.exitCode = handle.wait();
  return result;
}

inline ProcessResult runEvalbridge(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  return runProcess(EVALBRIDGE_BINARY, args, env);
}

// An executable as a running child (the real binary, or another tool a test drives, such as
// Prometheus). Its output goes to files (default: discarded); a child still running when the
// object goes away is killed (SIGKILL), so a failing test leaves none. The child inherits no
// descriptor beyond 0-2: a copy of the in-process simulator's sockets in a long-lived child would
// keep connections open that the simulator has closed (a request sent on one is never answered).
class ChildProcess {
 public:
  ChildProcess(const std::string& executable, const std::vector<std::string>& args,
               const std::string& stdoutPath = "/dev/null", const std::string& stderrPath = "/dev/null") {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(executable.c_str()));
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (posix_spawn(&pid_, executable.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ChildProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  // Sends `number` (e.g. SIGTERM) unless the process already exited.
  void signal(int number) {
    if (!pollExited()) ::kill(pid_, number);
  }
  // True when the process was still running and got SIGKILL.
  bool killNow() {
    if (pollExited()) return false;
    ::kill(pid_, SIGKILL);
    wait();
    return WIFSIGNALED(status_) && WTERMSIG(status_) == SIGKILL;
  }
  // Exit code, or -signal.
  int wait() {
    if (!exited_) {
      waitpid(pid_, &status_, 0);
      exited_ = true;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -WTERMSIG(status_);
  }
  bool pollExited() {
    if (!exited_ && waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
    return exited_;
  }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

// The real `evalbridge` binary as a running child (for crash and daemon tests).
class BridgeProcess : public ChildProcess {
 public:
  explicit BridgeProcess(const std::vector<std::string>& args, const std::string& stdoutPath = "/dev/null",
                         const std::string& stderrPath = "/dev/null")
      : ChildProcess(EVALBRIDGE_BINARY, args, stdoutPath, stderrPath) {}
};

// Runs the real binary to the end, output discarded; returns its exit code (or -signal).
inline int runBridge(const std::vector<std::string>& args) { return BridgeProcess(args).wait(); }

}  // namespace evalbridge::test
