#pragma once
// The evaluation export job (SPEC section 6): submit a job for the window, poll its status with
// backoff until it is done (resubmitting failed/cancelled/expired jobs a bounded number of times,
// giving up after jobTimeoutS), then read every result page (or the pre-signed downloadUrl).
#include <string>

#include "genesys/EvaluationSource.h"

namespace evalbridge {

class OrgClient;
class ShutdownToken;

class ExportJobSource : public EvaluationSource {
 public:
  ExportJobSource(OrgClient& client, ShutdownToken& shutdown);
  void fetch(const TimeWindow& window, const EvaluationPageHandler& handler) override;

 private:
  std::string submit(const TimeWindow& window);
  // Returns the finished job document; throws JobFailed for FAILED/CANCELLED/EXPIRED.
  Poco::JSON::Object::Ptr waitUntilDone(const std::string& jobId);
  void readPages(const std::string& jobId, const EvaluationPageHandler& handler);
  void readDownload(const std::string& url, const EvaluationPageHandler& handler);

  OrgClient& client_;
  ShutdownToken& shutdown_;
};

}  // namespace evalbridge
