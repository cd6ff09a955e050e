#pragma once
// The pre-signed download host: GET /downloads/{jobId}?sig=HEX answers a completed export job as
// one document {"entities":[...all...]}. It checks the signature, not Authorization (403
// SignatureDoesNotMatch otherwise), and answers errors as an object store does (S3-style XML).
// Requests are recorded with their headers, so tests can check no Authorization was sent.
#include <memory>
#include <vector>

#include "sim/GenesysOrg.h"
#include "sim/SimHandler.h"

namespace evalbridge::sim {

class DownloadSigner;

class DownloadHandler : public SimHandler {
 public:
  DownloadHandler(const std::vector<std::unique_ptr<GenesysOrg>>& orgs, const DownloadSigner& signer)
      : orgs_(orgs), signer_(signer) {}

 protected:
  void serve(Exchange& exchange) override;

 private:
  const std::vector<std::unique_ptr<GenesysOrg>>& orgs_;  // fixed after construction
  const DownloadSigner& signer_;
};

class DownloadNotFoundHandler : public SimHandler {
 protected:
  void serve(Exchange& exchange) override;
};

}  // namespace evalbridge::sim
