#pragma once
// doctor's checks of the ledger, without writing to it: where it is (a SQLite file, or a
// PostgreSQL URL through the module), whether this binary can open it, its schema version
// against the one this binary migrates to, and, for a file, that only its owner can read it.
#include "app/DoctorCheck.h"

namespace evalbridge {

struct Config;

DoctorChecks checkLedger(const Config& config);

}  // namespace evalbridge
