#pragma once
// What the endpoints of `run`'s HTTP server read and call. Owned by the daemon's command; the
// server only borrows it, so every reference outlives the server.
#include <functional>
#include <string>

namespace evalbridge {

class IncidentStateStore;
class Ledger;
class Metrics;
class SyncStatusBoard;

struct ServerContext {
  Ledger& ledger;
  IncidentStateStore& states;
  const SyncStatusBoard& status;
  Metrics& metrics;
  std::string webhookSecret;  // empty: POST /webhooks/servicenow is disabled (404)
  int maxBodyBytes = 64 * 1024;
  int webhookWindowS = 300;
  std::function<void()> onStateChanged;                        // a webhook changed a state
  std::function<std::string(const std::string&)> redact;       // applied to text leaving the server
};

}  // namespace evalbridge
