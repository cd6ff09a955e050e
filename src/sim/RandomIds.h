#pragma once
// Identifiers in the formats the real services use: RFC 4122 v4 uuids (Genesys ids, correlation
// ids), 32-hex sys_ids (ServiceNow) and opaque tokens. Two sources: a seeded SplitMix64 for data
// that must be reproducible (evaluations), and a process-wide random source for things that must
// not repeat across simulator instances (tokens, job ids), so one org's token is never valid at
// another even when both were seeded alike.
#include <string>

#include "sim/SplitMix64.h"

namespace evalbridge::sim {

std::string uuidFrom(SplitMix64& prng);
std::string hexFrom(SplitMix64& prng, std::size_t hexDigits);

// Thread-safe, non-reproducible.
std::string randomUuid();
std::string randomHex(std::size_t hexDigits);

}  // namespace evalbridge::sim
