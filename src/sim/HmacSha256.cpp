#include "sim/HmacSha256.h"

#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

namespace evalbridge::sim {
namespace {
// Poco::HMACEngine reads the block and digest sizes from its engine type; SHA2Engine serves
// several algorithms and does not declare them, so SHA-256's are given here.
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

}  // namespace evalbridge::sim
