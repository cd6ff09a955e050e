#include "sim/RandomIds.h"

#include <cstdio>
#include <mutex>
#include <random>

namespace evalbridge::sim {

std::string uuidFrom(SplitMix64& prng) {
  std::uint64_t hi = prng.next();
  std::uint64_t lo = prng.next();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return text;
}

std::string hexFrom(SplitMix64& prng, std::size_t hexDigits) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(hexDigits);
  while (out.size() < hexDigits) {
    std::uint64_t word = prng.next();
    for (int i = 0; i < 16 && out.size() < hexDigits; ++i, word >>= 4) out += digits[word & 0xF];
  }
  return out;
}

namespace {
// One engine for the process, seeded once from the OS; guarded because handlers run on many
// threads.
SplitMix64& sharedEngine(std::unique_lock<std::mutex>& lock) {
  static std::mutex mutex;
  static SplitMix64 engine([] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }());
  lock = std::unique_lock<std::mutex>(mutex);
  return engine;
}
}  // namespace

std::string randomUuid() {
  std::unique_lock<std::mutex> lock;
  return uuidFrom(sharedEngine(lock));
}

std::string randomHex(std::size_t hexDigits) {
  std::unique_lock<std::mutex> lock;
  return hexFrom(sharedEngine(lock), hexDigits);
}

}  // namespace evalbridge::sim
