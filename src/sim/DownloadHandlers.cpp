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
    Poco::JSON::Array::Ptr entities = new Poco::JSON::Array;
    for (const auto& item : *items) entities->add(item);
    auto document = orderedObject();
    document->set("entities", entities);
    exchange.reply(200, document);
    return;
  }
  exchange.replyText(404, "application/xml", downloadErrorXml("NoSuchKey", "The specified key does not exist."));
}

void DownloadNotFoundHandler::serve(Exchange& exchange) {
  exchange.replyText(404, "application/xml", downloadErrorXml("NoSuchKey", "The specified key does not exist."));
}

}  // namespace evalbridge::sim
