#pragma once
// Which ledger records are being delivered right now, in this process. The sweep (its windows and
// its settling pass) and the push path may each come to deliver the same pending record; the
// ledger answers "create" to both while the intent is pending, so without a claim both would
// POST. A record is delivered by whoever claims it; the other leaves it alone, and the claim ends
// when that delivery has settled the record or left it pending.
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace evalbridge {

class DeliveryClaims {
 public:
  class Claim {
   public:
    Claim(DeliveryClaims& owner, std::string key) : owner_(&owner), key_(std::move(key)) {}
    Claim(Claim&& other) noexcept : owner_(other.owner_), key_(std::move(other.key_)) { other.owner_ = nullptr; }
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    Claim& operator=(Claim&&) = delete;
    ~Claim() {
      if (owner_ != nullptr) owner_->release(key_);
    }

   private:
    DeliveryClaims* owner_;
    std::string key_;
  };

  // Nothing when another delivery holds the record.
  std::optional<Claim> tryClaim(const std::string& key);
  bool claimed(const std::string& key) const;
  // Whether any claimed key starts with `prefix` (e.g. "orgId:": a delivery for the org runs).
  bool anyWithPrefix(const std::string& prefix) const;

 private:
  void release(const std::string& key);

  mutable std::mutex mutex_;
  std::set<std::string> keys_;
};

}  // namespace evalbridge
