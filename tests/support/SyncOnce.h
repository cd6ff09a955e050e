#pragma once
// One in-process sync cycle of every org in the fixture's config file, as `sync --once` runs it.
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

}  // namespace evalbridge::test
