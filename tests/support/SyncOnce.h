#pragma once
// One in-process sync cycle of every org in the fixture's config file, as `sync --once` runs it,
// and an engine kept over a simulator for tests that drive it (or its ledger and sink) themselves.
#include <functional>
#include <vector>

#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "support/BridgeFixture.h"
#include "sync/SyncEngine.h"

namespace evalbridge::test {

inline std::vector<OrgSyncReport> syncOnce(BridgeFixture& fixture, const SyncRange& range = {}) {
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  return engine.syncOnce("", range);
}

// The simulator and one engine over it. Its clients, and their tokens, last from one cycle to the
// next, as in `run`. `writeConfig`, when given, replaces the fixture's config file first.
struct EngineFixture {
  explicit EngineFixture(const std::function<void(BridgeFixture&)>& writeConfig = {})
      : config(configOf(fixture, writeConfig)) {}

  BridgeFixture fixture;
  Config config;
  ShutdownToken shutdown;
  SyncEngine engine{config, shutdown};

 private:
  static Config configOf(BridgeFixture& fixture, const std::function<void(BridgeFixture&)>& writeConfig) {
    if (writeConfig) writeConfig(fixture);
    return loadConfig(fixture.configPath());
  }
};

}  // namespace evalbridge::test
