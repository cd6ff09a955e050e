#include "common/HmacSha256.h"

#include <openssl/crypto.h>

#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

namespace evalbridge {
namespace {

// Poco 1.11's HMACEngine takes BLOCK_SIZE and DIGEST_SIZE from its engine type; SHA2Engine serves
// several algorithms and declares neither, so SHA-256's are given here.
class Sha256Engine : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

}  // namespace

std::string hmacSha256Hex(const std::string& key, const std::string& message) {
  Poco::HMACEngine<Sha256Engine> hmac(key);
  hmac.update(message);
  return Poco::DigestEngine::digestToHex(hmac.digest());
}

bool constantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;  // the length of a hex digest is no secret
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace evalbridge
