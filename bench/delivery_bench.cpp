// evalbridge-bench: the figures of issue 4, measured against the simulator on loopback.
//   incidents per second at (concurrency 8, 20 ms latency) and (32, 2 ms), as a ratio to the
//   ideal concurrency / latency;
//   records per second and peak RSS of `evalbridge sync --once` for a 200,000-evaluation export
//   of which 1% match, read through the single pre-signed download.
// The bridge and the simulator run as child processes (the real binaries), driven through the
// simulator's control endpoint. This process stays small on purpose: Linux accounts a child's
// ru_maxrss from the parent's memory at fork/exec time, so a parent holding a 200,000-evaluation
// simulator would inflate the bridge's figure.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <signal.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <Poco/URI.h>

extern char** environ;

namespace {


const char* kMapping = R"({
  "name": "bench-failures",
  "when": { "any": [ { "field": "answers.anyFailedKillQuestions", "eq": true },
                     { "field": "answers.totalScore", "lt": 70 } ] },
  "fields": {
    "short_description": "QA fail: {{agent.name}} scored {{answers.totalScore}} on {{evaluationForm.name}}",
    "urgency": { "from": "answers.totalScore", "ranges": [ { "lt": 50, "value": "1" }, { "lt": 70, "value": "2" } ], "default": "3" },
    "assignment_group": { "from": "queue.name", "map": { "Billing": "Billing QA" }, "default": "Contact Center QA" }
  }
})";

struct Workspace {
  std::string dir = Poco::TemporaryFile::tempName();
  Workspace() { Poco::File(dir).createDirectories(); }
  ~Workspace() { Poco::File(dir).remove(true); }
  std::string file(const std::string& name) const { return Poco::Path(dir, name).toString(); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(file(name)) << text; }
};

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    std::perror(argv[0]);
    std::exit(1);
  }
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

Poco::Dynamic::Var httpJson(const std::string& method, const std::string& url, const std::string& body = "") {
  Poco::URI uri(url);
  Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
  session.setTimeout(Poco::Timespan(600, 0));
  Poco::Net::HTTPRequest request(method, uri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::string text;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
  return Poco::JSON::Parser().parse(text);
}

// evalbridge-sim in its own process, with one org as given.
class SimProcess {
 public:
  SimProcess(const std::string& binary, const Workspace& ws, int evaluations, double failingShare) {
    ws.write("scenario.json", R"({"orgs":[{"name":"acme-us","evaluationCount":)" + std::to_string(evaluations) +
                                  R"(,"failingShare":)" + std::to_string(failingShare) +
                                  R"(,"spacingSeconds":1,"useDownloadUrl":true,"jobPollsUntilDone":0}]})");
    const std::string portFile = ws.file("sim.json");
    pid_ = spawn({binary, "--scenario", ws.file("scenario.json"), "--port-file", portFile});
    for (int i = 0; i < 600 && !Poco::File(portFile).exists(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(portFile);
    std::string line;
    std::getline(in, line);
    state = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
    control = state->getValue<std::string>("control");
  }
  ~SimProcess() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  void addLatency(int ms) {
    httpJson("POST", control + "/control/faults",
             R"({"server":"servicenow","kind":"latency","latencyMs":)" + std::to_string(ms) + "}");
  }
  size_t incidents() {
    return httpJson("GET", control + "/control/incidents").extract<Poco::JSON::Object::Ptr>()->getArray("result")->size();
  }
  std::vector<double> postArrivals() {
    std::vector<double> times;
    auto requests = httpJson("GET", control + "/control/requests?since=0").extract<Poco::JSON::Object::Ptr>()->getArray("requests");
    for (size_t i = 0; i < requests->size(); ++i) {
      auto request = requests->getObject(static_cast<unsigned>(i));
      if (request->getValue<std::string>("server") == "servicenow" && request->getValue<std::string>("method") == "POST")
        times.push_back(request->getValue<double>("time"));
    }
    return times;
  }

  Poco::JSON::Object::Ptr state;
  std::string control;

 private:
  pid_t pid_ = 0;
};

void writeConfig(const Workspace& ws, SimProcess& sim, int concurrency) {
  auto org = sim.state->getObject("orgs")->getObject("acme-us");
  const std::string orgUrl = org->getValue<std::string>("url");
  ws.write("org.secret", "acme-us-secret");
  ws.write("sn.secret", "sn-password");
  ws.write("mapping.json", kMapping);
  ws.write("evalbridge.json", R"({
  "ledger": { "path": "ledger.db" },
  "genesys": { "orgs": [ { "name": "acme-us", "orgId": ")" + org->getValue<std::string>("orgId") + R"(", "region": "us-east-1",
      "apiBase": ")" + orgUrl + R"(", "loginBase": ")" + orgUrl + R"(",
      "clientId": ")" + org->getValue<std::string>("clientId") + R"(", "clientSecret": "${file:org.secret}", "mapping": "mapping.json",
      "startFrom": "2026-10-31T00:00:00Z" } ],
    "export": { "maxWindow": "P30D", "pollInitialMs": 10, "pollMaxMs": 100, "pageSize": 1000 } },
  "servicenow": { "instanceUrl": ")" + sim.state->getValue<std::string>("servicenow") + R"(",
    "auth": { "type": "basic", "username": "svc_evalbridge", "password": "${file:sn.secret}" },
    "maxConcurrency": )" + std::to_string(concurrency) + R"(, "maxRequestsPerSecond": 10000,
    "retry": { "maxAttempts": 5, "initialMs": 20, "maxMs": 200, "maxElapsedS": 60 } }
})");
}

struct Binaries {
  std::string bridge;
  std::string sim;
};

struct RunResult {
  int exitCode = -1;
  double seconds = 0;
  long maxRssKb = 0;
  double cpuSeconds = 0;  // the bridge's user + system time
};

RunResult runSync(const std::string& binary, const Workspace& ws) {
  RunResult result;
  const auto started = std::chrono::steady_clock::now();
  pid_t pid = spawn({binary, "--config", ws.file("evalbridge.json"), "--quiet", "sync", "--once"});
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.maxRssKb = usage.ru_maxrss;  // kilobytes on Linux
  result.cpuSeconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  return result;
}

void incidentsPerSecond(const Binaries& bin, int concurrency, int latencyMs, int incidents) {
  Workspace ws;
  SimProcess sim(bin.sim, ws, incidents, 1.0);
  sim.addLatency(latencyMs);
  writeConfig(ws, sim, concurrency);
  RunResult run = runSync(bin.bridge, ws);
  // The delivery phase, as ServiceNow saw it: first POST arrival to last POST answer.
  auto arrivals = sim.postArrivals();
  const int posts = static_cast<int>(arrivals.size());
  const double first = posts ? *std::min_element(arrivals.begin(), arrivals.end()) : 0;
  const double last = posts ? *std::max_element(arrivals.begin(), arrivals.end()) : 0;
  const double window = last - first + latencyMs / 1000.0;
  const double created = static_cast<double>(sim.incidents());
  const double rate = created / window;
  const double ideal = concurrency * 1000.0 / latencyMs;
  std::printf("incidents/s at concurrency %2d x %2d ms latency: %8.1f  (ideal %6.0f, ratio %.2f; %d incidents, %d POSTs, "
              "sync exit %d in %.2f s)\n",
              concurrency, latencyMs, rate, ideal, rate / ideal, static_cast<int>(created), posts, run.exitCode,
              run.seconds);
}

void largeExport(const Binaries& bin, int evaluations, double share) {
  Workspace ws;
  SimProcess sim(bin.sim, ws, evaluations, share);
  writeConfig(ws, sim, 8);
  RunResult run = runSync(bin.bridge, ws);
  std::printf("export of %d evaluations (%.0f%% match, one download document): %.0f records/s end to end (%.1f s, "
              "simulator included), %.0f records per bridge CPU-second (%.1f s CPU), %zu incidents, peak RSS %.1f MB "
              "(ru_maxrss), sync exit %d\n",
              evaluations, share * 100, evaluations / run.seconds, run.seconds, evaluations / run.cpuSeconds,
              run.cpuSeconds, sim.incidents(), run.maxRssKb / 1024.0, run.exitCode);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: evalbridge-bench PATH/TO/evalbridge PATH/TO/evalbridge-sim [--quick]\n");
    return 2;
  }
  const Binaries bin{argv[1], argv[2]};
  const bool quick = argc > 3 && std::string(argv[3]) == "--quick";
  incidentsPerSecond(bin, 8, 20, quick ? 400 : 1200);
  incidentsPerSecond(bin, 32, 2, quick ? 1000 : 4000);
  largeExport(bin, quick ? 20000 : 200000, 0.01);
  return 0;
}
