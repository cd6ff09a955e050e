#include "sim/RandomIds.h"

#include <cstdio>
#include <mutex>
#include <random>

namespace evalbridge::sim {

std::string uuidFrom(SplitMix64& prng) {
  return uuidText(uuidBitsFrom(prng));
}

UuidBits uuidBitsFrom(SplitMix64& prng) {
  UuidBits bits;
  bits.hi = prng.next();
  bits.lo = prng.next();
  bits.hi = (bits.hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  bits.lo = (bits.lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return bits;
}

std::string uuidText(const UuidBits& bits) {
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(bits.hi >> 32),
                static_cast<unsigned>((bits.hi >> 16) & 0xFFFF), static_cast<unsigned>(bits.hi & 0xFFFF),
                static_cast<unsigned>(bits.lo >> 48), static_cast<unsigned long long>(bits.lo & 0xFFFFFFFFFFFFULL));
  return text;
}

std::optional<UuidBits> parseUuidText(const std::string& text) {
  if (text.size() != 36) return std::nullopt;
  UuidBits bits;
  int nibbles = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return std::nullopt;
      continue;
    }
    std::uint64_t value = 0;
    if (c >= '0' && c <= '9')
      value = static_cast<std::uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      value = static_cast<std::uint64_t>(c - 'a' + 10);
    else
      return std::nullopt;
    std::uint64_t& word = nibbles < 16 ? bits.hi : bits.lo;
    word = (word << 4) | value;
    ++nibbles;
  }
  return bits;
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
