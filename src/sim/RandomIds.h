#pragma once
// Identifiers in the formats the real services use: RFC 4122 v4 uuids (Genesys ids, correlation
// ids), 32-hex sys_ids (ServiceNow) and opaque tokens. Two sources: a seeded SplitMix64 for data
// that must be reproducible (evaluations), and a process-wide random source for things that must
// not repeat across simulator instances (tokens, job ids), so one org's token is never valid at
// another even when both were seeded alike.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "sim/SplitMix64.h"

namespace evalbridge::sim {

// A v4 uuid as its 128 bits (version and variant set): 16 bytes where its text takes 37, for
// stores that keep millions of ids. The text (uuidText) is fixed-width lower-case hex with the
// dashes in fixed places, so ordering the bits orders the ids as comparing their texts does.
struct UuidBits {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;

  friend bool operator==(const UuidBits& a, const UuidBits& b) { return a.hi == b.hi && a.lo == b.lo; }
  friend bool operator!=(const UuidBits& a, const UuidBits& b) { return !(a == b); }
  friend bool operator<(const UuidBits& a, const UuidBits& b) { return std::tie(a.hi, a.lo) < std::tie(b.hi, b.lo); }
};

// uuidFrom(prng) == uuidText(uuidBitsFrom(prng)): both draw the same two numbers.
std::string uuidFrom(SplitMix64& prng);
UuidBits uuidBitsFrom(SplitMix64& prng);
std::string uuidText(const UuidBits& bits);
// The bits of a text spelled as uuidText spells it (36 characters, lower-case hex, four dashes);
// nullopt for any other spelling (upper case, braces), which therefore equals no generated id.
std::optional<UuidBits> parseUuidText(const std::string& text);
std::string hexFrom(SplitMix64& prng, std::size_t hexDigits);

// Thread-safe, non-reproducible.
std::string randomUuid();
std::string randomHex(std::size_t hexDigits);

}  // namespace evalbridge::sim
