#pragma once
// HMAC-SHA256 (Poco::HMACEngine over SHA2Engine) and a comparison whose time does not depend on
// where two strings first differ, for checking webhook signatures (SPEC section 7).
#include <string>

namespace evalbridge {

std::string hmacSha256Hex(const std::string& key, const std::string& message);  // lower-case hex

// True when a and b are equal; the time taken depends only on the lengths.
bool constantTimeEquals(const std::string& a, const std::string& b);

}  // namespace evalbridge
