#include "sim/DownloadHandlers.h"

#include "sim/DownloadSigner.h"
#include "sim/ErrorBodies.h"
#include "sim/JsonText.h"

namespace evalbridge::sim {

void DownloadHandler::serve(Exchange& exchange) {
  const std::string jobId = exchange.pathParam("jobId");
  if (!signer_.verify(jobId, exchange.queryParam("sig").value_or(""))) {
    exchange.replyText(
        403, "application/xml",
        downloadErrorXml("SignatureDoesNotMatch",
                         "The request signature we calculated does not match the signature you provided."));
    return;
  }
  for (const auto& org : orgs_) {
    auto items = org->exportJobs.allItems(jobId);
    if (!items) continue;
    // The text of {"entities":[...]} written one evaluation at a time: a DOM of every entity
    // first would cost ~12 KB per evaluation on top of the text.
    std::string document = "{\"entities\":[";
    for (std::size_t i = 0; i < items->size(); ++i) {
      if (i > 0) document += ',';
      document += toJson(items->item(i));
    }
    document += "]}";
    exchange.replyText(200, "application/json", document);
    return;
  }
  exchange.replyText(404, "application/xml", downloadErrorXml("NoSuchKey", "The specified key does not exist."));
}

void DownloadNotFoundHandler::serve(Exchange& exchange) {
  exchange.replyText(404, "application/xml", downloadErrorXml("NoSuchKey", "The specified key does not exist."));
}

}  // namespace evalbridge::sim
