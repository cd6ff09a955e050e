#pragma once
// Pre-signed download URLs for completed export jobs: /downloads/{jobId}?sig=HEX where
// HEX = HMAC-SHA256(secret, jobId). The secret is random per simulator, so a URL only works on
// the simulator that issued it, and the signature check is what stands in for authorization
// (the client must not send its Genesys token to the download host).
#include <string>

namespace evalbridge::sim {

class DownloadSigner {
 public:
  DownloadSigner();  // random secret

  std::string signature(const std::string& jobId) const;
  bool verify(const std::string& jobId, const std::string& signature) const;
  // baseUrl is the download server's http://127.0.0.1:PORT
  std::string signedUrl(const std::string& baseUrl, const std::string& jobId) const;

 private:
  std::string secret_;  // immutable after construction, so no lock is needed
};

}  // namespace evalbridge::sim
