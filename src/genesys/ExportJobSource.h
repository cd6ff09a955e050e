#pragma once
// The evaluation export job (SPEC section 6): submit a job for the window, poll its status with
// backoff until it is done (resubmitting failed/cancelled/expired jobs a bounded number of times,
// giving up after jobTimeoutS), then read every result page (or the pre-signed downloadUrl).
//
// Results are read as streams (ExportResultReader): a page is parsed entity by entity and handed
// over whole once it parsed completely; the download, which holds the whole export, is handed
// over in batches of genesys.export.pageSize as it arrives, so memory never grows with the export.
//
// A result that is not JSON (or breaks off) is fetched again, up to kResultAttempts times (a
// download resumes after the entities already handed over: a pre-signed export does not change).
// A result page that stays bad is handed over as one malformed record carrying the raw page text,
// which the sync keeps in the dead letter, and the window then fails with a message saying so:
// without the page's cursor the rest of the window cannot be read, and a failed window is not
// checkpointed, so the next cycle exports it again and nothing is lost. A download that stays bad
// fails the window the same way (it is not copied into the ledger: it may be hundreds of MB).
#include <memory>
#include <string>
#include <vector>

#include "genesys/EvaluationSource.h"
#include "http/HttpClient.h"
#include "http/RetrySettings.h"

namespace evalbridge {

class OrgClient;
class ShutdownToken;

class ExportJobSource : public EvaluationSource {
 public:
  static constexpr int kResultAttempts = 3;

  ExportJobSource(OrgClient& client, ShutdownToken& shutdown);
  ~ExportJobSource() override;
  WindowStop fetch(const TimeWindow& window, const EvaluationPageHandler& handler) override;

 private:
  std::string submit(const TimeWindow& window);
  void readPages(const std::string& jobId, const EvaluationPageHandler& handler);
  void readDownload(const std::string& url, const EvaluationPageHandler& handler);
  // One result page, parsed whole; returns its other members (cursor) and fills `entities`.
  Poco::JSON::Object::Ptr readPage(const std::string& path, const std::string& what,
                                   std::vector<Poco::JSON::Object::Ptr>& entities);
  // The one retry loop's budget for re-reading a result: the org's retry settings, at most
  // kResultAttempts attempts.
  RetrySettings resultBudget() const;

  OrgClient& client_;
  ShutdownToken& shutdown_;
  // Streams results; the OrgClient's own client reads whole bodies (token, job status, fallbacks).
  std::unique_ptr<HttpClient> streaming_;
};

}  // namespace evalbridge
