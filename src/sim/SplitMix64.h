#pragma once
// A tiny seeded PRNG (Steele, Lea & Flood's SplitMix64). The simulator's data must be the same on
// every platform and standard library, which std::mt19937 + std::uniform_*_distribution do not
// guarantee (the distributions are implementation-defined), and std::rand is global state.
#include <cstdint>
#include <string>

namespace evalbridge::sim {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1): the top 53 bits fill a double's mantissa exactly.
  double nextDouble() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  // Uniform in [0, bound); bound must be > 0. The modulo bias is irrelevant for test data.
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }

 private:
  std::uint64_t state_;
};

// Mixes several values into one seed so derived streams (evaluation i of seed s) are independent.
inline std::uint64_t mixSeed(std::uint64_t a, std::uint64_t b) {
  SplitMix64 mixer(a ^ (b * 0xD1B54A32D192ED03ULL));
  return mixer.next();
}

inline std::uint64_t mixSeed(std::uint64_t a, const std::string& label) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a, enough to turn a label into a stream id
  for (unsigned char c : label) h = (h ^ c) * 1099511628211ULL;
  return mixSeed(a, h);
}

}  // namespace evalbridge::sim
