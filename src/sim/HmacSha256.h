#pragma once
// HMAC-SHA256 as lowercase hex, over Poco::HMACEngine<SHA2Engine(SHA_256)>. Used for pre-signed
// download URLs and for signing webhooks (SPEC section 7).
#include <string>

namespace evalbridge::sim {

std::string hmacSha256Hex(const std::string& key, const std::string& message);

}  // namespace evalbridge::sim
