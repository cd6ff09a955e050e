#pragma once
// Runs an executable (the real evalbridge binary) as a child process and captures its exit code,
// stdout and stderr, for tests of the command line as users meet it.
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

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

}  // namespace evalbridge::test
