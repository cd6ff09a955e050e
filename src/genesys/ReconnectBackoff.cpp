#include "genesys/ReconnectBackoff.h"

#include <algorithm>

namespace evalbridge {

ReconnectBackoff::ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, unsigned seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      random_(seed != 0 ? seed : std::random_device{}()) {}

std::chrono::milliseconds ReconnectBackoff::delay(int failures) {
  long long step = initial_.count();
  for (int i = 1; i < failures && step < max_.count(); ++i) step *= 2;  // stops before it can overflow
  step = std::min<long long>(step, max_.count());
  std::uniform_int_distribution<long long> half(step / 2, step);
  return std::chrono::milliseconds(half(random_));
}

}  // namespace evalbridge
