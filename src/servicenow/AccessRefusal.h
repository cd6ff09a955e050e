#pragma once
// ServiceNow refusing evalbridge itself (a 401, a refused OAuth token request) is no record's
// fault, and every record would meet it in turn: dead-lettering each would leave every record of
// an outage to `ledger replay`. Once refused, deliveries stop asking for a while and leave their
// records pending. Asking again at once would not help, and a password grant repeated with a
// wrong secret can lock the ServiceNow account out.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace evalbridge {

// How long deliveries (and OAuth token requests) are held after a refusal: a sync cycle or a push
// retry later, not at once.
inline constexpr std::chrono::seconds kAccessRefusalHold{60};

class AccessRefusal {
 public:
  explicit AccessRefusal(std::chrono::steady_clock::duration hold = kAccessRefusalHold) : hold_(hold) {}

  // Records a refusal: deliveries are held from now for the hold period, unless a hold is already
  // running (a delivery stopped by it reports the same refusal). Returns whether this one began a
  // hold, so the refusal is logged once, not by every delivery that met it.
  bool refused(const std::string& why);
  // Why deliveries are held now, or nothing once the hold has passed.
  std::optional<std::string> holding() const;

 private:
  const std::chrono::steady_clock::duration hold_;
  mutable std::mutex mutex_;
  std::string why_;
  std::chrono::steady_clock::time_point until_{};
};

}  // namespace evalbridge
