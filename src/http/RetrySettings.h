#pragma once
// The budget of the one retry loop (http/RetryLoop.h): attempts, the backoff's first and largest
// delay, and the elapsed time after which it gives up. Read from the configuration
// (genesys.retry, per-org retry, servicenow.retry); kept here so the http layer does not depend
// on the configuration.
namespace evalbridge {

struct RetrySettings {
  int maxAttempts = 10;
  int initialMs = 500;
  int maxMs = 60000;
  int maxElapsedS = 900;
};

}  // namespace evalbridge
