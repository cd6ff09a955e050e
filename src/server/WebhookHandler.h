#pragma once
// POST /webhooks/servicenow (SPEC section 7): an incident changed in ServiceNow.
//   413  body larger than server.maxBodyBytes (not read further)
//   401  unsigned, badly signed, or stale (timestamp more than 300 s from now)
//   400  not JSON, a required field missing, or not an evalbridge correlation_id
//   409  replayed (this signed delivery was accepted before) or out of order (older
//        sys_mod_count / sys_updated_on than the ledger has)
//   202  no ledger record has an incident for this correlation_id (another bridge's org, or an
//        incident the bridge has not recorded yet; polling picks it up): accepted, ignored
//   200  applied, or already known (same version)
// Nothing changes on any error: the replay check and the state change are one transaction.
// X-Request-Id is echoed and logged only when it is a safe token (RequestId.h); warnings for
// requests refused before the signature matched (405, 413, 401) are throttled, since anyone can
// send those.
#include <Poco/Net/HTTPRequestHandler.h>

#include "server/ServerContext.h"
#include "server/WarningThrottle.h"
#include "server/WebhookVerifier.h"

namespace evalbridge {

class WebhookHandler : public Poco::Net::HTTPRequestHandler {
 public:
  // `refusals` throttles the warnings for requests refused before the signature matched.
  WebhookHandler(ServerContext& context, WarningThrottle& refusals);
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  ServerContext& context_;
  WarningThrottle& refusals_;
  WebhookVerifier verifier_;
};

}  // namespace evalbridge
