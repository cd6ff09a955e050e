#pragma once
// Shared by the delivery proofs (test_delivery, test_faults, test_crash): what the mapping says
// must exist in ServiceNow (computed from the simulator's data, never hard-coded), what does
// exist, and running the real `evalbridge` binary as a child process.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ledger/LedgerRecord.h"
#include "mapping/Mapping.h"
#include "sim/Simulator.h"

extern char** environ;

namespace evalbridge::test {

// The correlation_ids the mapping selects among an org's evaluations in the simulator.
inline std::set<std::string> expectedCorrelationIds(const sim::Simulator& simulator, const std::string& mappingFile) {
  Mapping mapping = Mapping::loadFile(mappingFile);
  std::set<std::string> ids;
  for (const auto& org : simulator.options().orgs)
    for (const auto& evaluation : simulator.evaluations(org.name))
      if (mapping.apply(evaluation).matched)
        ids.insert(correlationIdFor(org.orgId, evaluation->getValue<std::string>("id")));
  return ids;
}

// correlation_id -> how many incidents carry it.
inline std::map<std::string, int> incidentsByCorrelation(const sim::Simulator& simulator) {
  std::map<std::string, int> counts;
  for (const auto& incident : simulator.incidents()) ++counts[incident->optValue<std::string>("correlation_id", "")];
  return counts;
}

// The correlation_id a ServiceNow request is about (POST body or lookup query), or "".
inline std::string correlationOf(const sim::RecordedRequest& request) {
  const std::string marker = "evalbridge:";
  std::string text = request.method == "POST" ? request.body : request.query;
  auto at = text.find(request.method == "POST" ? "\"correlation_id\":\"" : "correlation_id%3D");
  if (at == std::string::npos) return {};
  at = text.find(request.method == "POST" ? marker : "evalbridge%3A", at);
  if (at == std::string::npos) return {};
  std::string id;
  for (size_t i = at; i < text.size() && text[i] != '"' && text[i] != '&'; ++i) id += text[i];
  // The query form is percent-encoded: ':' is %3A.
  for (size_t pos; (pos = id.find("%3A")) != std::string::npos;) id.replace(pos, 3, ":");
  return id;
}

// A child process running the real binary, output discarded.
class BridgeProcess {
 public:
  explicit BridgeProcess(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(EVALBRIDGE_BINARY));
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, EVALBRIDGE_BINARY, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~BridgeProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  bool started() const { return pid_ > 0; }
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

inline int runBridge(const std::vector<std::string>& args) { return BridgeProcess(args).wait(); }

}  // namespace evalbridge::test
