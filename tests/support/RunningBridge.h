#pragma once
// `evalbridge run`, the real binary, as a child process against the fixture's simulator: a
// config for it (short intervals, its server on 127.0.0.1), the running process, and the small
// time helpers its tests share (test_daemon, test_monitoring).
#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Timestamp.h>

#include "support/BridgeFixture.h"
#include "support/Eventually.h"
#include "support/RunProcess.h"

namespace evalbridge::test {

// "YYYY-MM-DDTHH:MM:SSZ", `seconds` ago.
inline std::string isoAgo(int seconds) {
  return Poco::DateTimeFormatter::format(Poco::DateTime(Poco::Timestamp() - Poco::Timespan(seconds, 0)),
                                         "%Y-%m-%dT%H:%M:%SZ");
}

// A port on 127.0.0.1 that was free a moment ago (for a server that cannot report the port it got).
inline int freePort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  return socket.address().port();
}

// What a `run` config says beyond the fixture's orgs, mapping and the simulator's URLs.
struct RunSettings {
  int port = 0;                    // server.listen is 127.0.0.1:port (0: the system picks one)
  int pullIntervalS = 3600;        // sync.pullIntervalS
  std::string webhookSecret;       // server.webhookSecret ("": no webhook)
  std::string serviceNowExtra;     // extra members of "servicenow", e.g. R"(, "maxConcurrency": 1)"
  int intervalS = 1;               // sync.intervalS
  std::map<std::string, int> orgIntervalS;  // an org's own intervalS, by org name
  std::string ledger = R"("path": "ledger.db")";  // the "ledger" object's members
  std::string orgExtra;            // more members of every org entry, e.g. R"("notifications": false)"
  bool writeBack = true;           // every org writes back to data table dt-outcomes
};

// Writes the fixture's config for `run`: every org of the simulator (startFrom three hours ago,
// write-back to data table dt-outcomes), short export polling, generous ServiceNow retries.
inline void writeRunConfig(BridgeFixture& fixture, const RunSettings& run) {
  std::string orgs;
  for (const auto& org : fixture.simulator.options().orgs) {
    writeText(fixture.dir.file(org.name + ".secret"), org.clientSecret);
    if (!orgs.empty()) orgs += ",";
    const auto interval = run.orgIntervalS.find(org.name);
    orgs += R"({ "name": ")" + org.name + R"(", "orgId": ")" + org.orgId + R"(", "region": "us-east-1",
      "apiBase": ")" + fixture.simulator.orgUrl(org.name) + R"(", "loginBase": ")" + fixture.simulator.orgUrl(org.name) +
            R"(", "clientId": ")" + org.clientId + R"(", "clientSecret": "${file:)" + org.name + R"(.secret}",
      "mapping": "mapping.json", "startFrom": ")" + isoAgo(3 * 3600) + "\"" +
            (interval == run.orgIntervalS.end() ? "" : R"(, "intervalS": )" + std::to_string(interval->second)) +
            (run.orgExtra.empty() ? "" : ", " + run.orgExtra) +
            (run.writeBack ? R"(, "writeBack": { "datatableId": "dt-outcomes" })" : "") + " }";
  }
  writeText(fixture.dir.file("sn.secret"), fixture.simulator.options().servicenow.password);
  if (!run.webhookSecret.empty()) writeText(fixture.dir.file("webhook.secret"), run.webhookSecret);
  writeText(fixture.configPath(), R"({
  "ledger": { )" + run.ledger + R"( },
  "genesys": { "orgs": [ )" + orgs + R"( ],
    "export": { "maxWindow": "P1D", "overlap": "PT10M", "pollInitialMs": 10, "pollMaxMs": 50 } },
  "sync": { "intervalS": )" + std::to_string(run.intervalS) + R"(, "pullIntervalS": )" +
                                            std::to_string(run.pullIntervalS) + R"( },
  "servicenow": { "instanceUrl": ")" + fixture.simulator.serviceNowUrl() + R"(",
    "auth": { "type": "basic", "username": ")" + fixture.simulator.options().servicenow.username +
                                            R"(", "password": "${file:sn.secret}" },
    "retry": { "maxAttempts": 8, "initialMs": 20, "maxMs": 200, "maxElapsedS": 60 })" + run.serviceNowExtra + R"( },
  "server": { "listen": "127.0.0.1:)" + std::to_string(run.port) + "\"" +
                                            (run.webhookSecret.empty() ? "" : R"(, "webhookSecret": "${file:webhook.secret}")") +
                                            R"( }
})");
}

// The same, for the usual case: the server on `port`, the webhook on when `webhookSecret` is set.
inline void writeRunConfig(BridgeFixture& fixture, int port, int pullIntervalS, const std::string& webhookSecret,
                           const std::string& serviceNowExtra = "") {
  RunSettings run;
  run.port = port;
  run.pullIntervalS = pullIntervalS;
  run.webhookSecret = webhookSecret;
  run.serviceNowExtra = serviceNowExtra;
  writeRunConfig(fixture, run);
}

// The real `evalbridge run` with the fixture's config, as a child process (JSON logs in
// `tag`.log); killed if a test ends while it still runs. The constructor returns once the server
// listens (port() is the port it bound).
class RunningBridge {
 public:
  RunningBridge(const BridgeFixture& fixture, const std::string& tag)
      : portFile_(fixture.dir.file(tag + ".port")),
        logFile_(fixture.dir.file(tag + ".log")),
        process_({"--config", fixture.configPath(), "--log-format", "json", "run", "--port-file", portFile_},
                 "/dev/null", logFile_) {
    REQUIRE(eventually([this] { return Poco::File(portFile_).exists() || process_.pollExited(); }));
    REQUIRE_FALSE(process_.pollExited());
    const std::string address = readAll(portFile_);
    port_ = std::stoi(address.substr(address.rfind(':') + 1));
  }

  int port() const { return port_; }
  std::string log() const { return readAll(logFile_); }
  // SIGKILL, SIGSTOP, SIGCONT...: what a node failure, a pause or a partition looks like.
  void signal(int sig) { process_.signal(sig); }

  // Sends SIGTERM and returns the exit code (-1 when it did not exit within `limit`).
  int terminate(std::chrono::milliseconds limit, std::chrono::milliseconds* took = nullptr) {
    const auto started = std::chrono::steady_clock::now();
    process_.signal(SIGTERM);
    eventually([this] { return process_.pollExited(); }, limit);
    if (took) *took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (!process_.pollExited()) return -1;
    const int code = process_.wait();  // the exit code, or -signal
    return code >= 0 ? code : 128 - code;
  }

 private:
  std::string portFile_;
  std::string logFile_;
  BridgeProcess process_;
  int port_ = 0;
};

}  // namespace evalbridge::test
