// `evalbridge run`: the daemon (SPEC sections 2 and 9). Schedules every org, polls incident
// state, writes back, and serves /healthz, /readyz, /metrics and the ServiceNow webhook until
// SIGTERM or SIGINT; then it stops taking work, lets in-flight work end (or abandons it safely:
// the ledger holds every intent, and a pending record is looked up before it is posted again)
// and exits 0 within kDrainTimeout.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <ostream>

#include <Poco/Logger.h>
#include <Poco/URI.h>
#include <pthread.h>

#include "app/Commands.h"
#include "app/Logging.h"
#include "common/Errors.h"
#include "common/Metrics.h"
#include "common/TerminationSignals.h"
#include "config/Redaction.h"
#include "http/HttpClient.h"
#include "http/ShutdownToken.h"
#include "server/BridgeServer.h"
#include "server/PortFile.h"
#include "sync/Daemon.h"
#include "sync/SyncMetrics.h"

namespace evalbridge {
namespace {

constexpr std::chrono::seconds kDrainTimeout(25);

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.run"); }

// Latency histograms: a request to the ServiceNow instance's host is "servicenow", any other
// (Genesys API, login and download hosts) "genesys".
void observeHttpLatency(const Config& config, Metrics& metrics) {
  const Poco::URI instance(config.servicenow.instanceUrl);
  const std::string snHost = instance.getHost();
  const int snPort = instance.getPort();
  setHttpExchangeObserver([&metrics, snHost, snPort](const HttpExchange& exchange) {
    const bool servicenow = exchange.host == snHost && exchange.port == snPort;
    recordHttpLatency(metrics, servicenow ? "servicenow" : "genesys", exchange.method, exchange.seconds);
  });
}

}  // namespace

int runRunCommand(const CommandLine& line, std::ostream& out) {
  allowOnly(line, {"port-file", "log-format"});
  const TerminationSignals signals;
  Config config = loadCommandConfig(line);
  const Redactor redactor(config);

  Metrics metrics;
  declareBridgeMetrics(metrics, config);
  ShutdownToken shutdown;
  Daemon daemon(config, shutdown, metrics);
  addStatusCollectors(metrics, config, daemon.ledger(), daemon.states(), daemon.status());
  addPushCollector(metrics, daemon.push());
  observeHttpLatency(config, metrics);
  struct ObserverReset {
    ~ObserverReset() { setHttpExchangeObserver({}); }
  } observerReset;

  ServerContext context{daemon.ledger(), daemon.states(), daemon.status(), metrics, config.server.webhookSecret,
                        config.server.maxBodyBytes, 300, [&daemon] { daemon.stateChanged(); },
                        [&redactor](const std::string& text) { return redactor(text); }};
  BridgeServer server(config.server.listenHost, config.server.listenPort, context);
  server.start();
  if (auto portFile = line.value("port-file")) writePortFile(*portFile, server.boundAddress());
  logger().information("listening on http://%s (webhook %s); ledger %s", server.boundAddress(),
                       std::string(config.server.webhookSecret.empty() ? "disabled: no server.webhookSecret" : "on"),
                       daemon.ledger().path());
  out << "evalbridge run: serving on http://" << server.boundAddress() << " (SIGTERM or Ctrl-C stops)" << std::endl;

  daemon.start();
  const int received = signals.wait();
  logger().information("%s received: stopping (in-flight work has %d s to finish)",
                       std::string(received == SIGINT ? "SIGINT" : "SIGTERM"), static_cast<int>(kDrainTimeout.count()));
  server.stop();
  shutdown.requestStop();
  if (!daemon.waitStopped(kDrainTimeout)) {
    // Safe to abandon: every intent is committed, SQLite's WAL survives an exit at any instant,
    // and the next start settles pending records with a correlation_id lookup.
    logger().warning("abandoning in-flight work after %d s; the next start settles it",
                     static_cast<int>(kDrainTimeout.count()));
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(kExitOk);
  }
  logger().information("stopped");
  return kExitOk;
}

}  // namespace evalbridge
