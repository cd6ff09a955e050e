#include "sim/DownloadSigner.h"

#include "common/HmacSha256.h"
#include "sim/RandomIds.h"

namespace evalbridge::sim {

DownloadSigner::DownloadSigner() : secret_(randomHex(64)) {}

std::string DownloadSigner::signature(const std::string& jobId) const {
  return hmacSha256Hex(secret_, jobId);
}

bool DownloadSigner::verify(const std::string& jobId, const std::string& candidate) const {
  const std::string expected = signature(jobId);
  if (candidate.size() != expected.size()) return false;
  unsigned char difference = 0;  // constant time, as a real object store would compare
  for (std::size_t i = 0; i < expected.size(); ++i) {
    difference |= static_cast<unsigned char>(expected[i] ^ candidate[i]);
  }
  return difference == 0;
}

std::string DownloadSigner::signedUrl(const std::string& baseUrl, const std::string& jobId) const {
  return baseUrl + "/downloads/" + jobId + "?sig=" + signature(jobId);
}

}  // namespace evalbridge::sim
