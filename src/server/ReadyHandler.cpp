#include "server/ReadyHandler.h"

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerRequest.h>

#include "ledger/Database.h"
#include "ledger/Ledger.h"
#include "ledger/Statement.h"
#include "server/JsonReply.h"
#include "sync/SyncStatusBoard.h"

namespace evalbridge {

void ReadyHandler::handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  bool ready = true;
  try {
    std::lock_guard<std::recursive_mutex> lock(context_.ledger.database().mutex());
    Statement probe(context_.ledger.database(), "SELECT COUNT(*) FROM checkpoints");
    probe.step();
    body->set("ledger", "ok");
  } catch (const Poco::Exception& e) {
    ready = false;
    body->set("ledger", context_.redact ? context_.redact(e.message()) : e.message());
  }
  std::vector<std::pair<std::string, std::string>> notReady;
  if (!context_.status.ready(notReady)) ready = false;
  Poco::JSON::Object::Ptr orgs = new Poco::JSON::Object;
  for (const auto& status : context_.status.all()) orgs->set(status.orgName, status.elsewhere ? "elsewhere" : "ok");
  for (const auto& [org, why] : notReady) orgs->set(org, context_.redact ? context_.redact(why) : why);
  body->set("orgs", orgs);
  // Push pickup per org: degraded push (sweep-only) is reported, not counted against readiness.
  Poco::JSON::Object::Ptr push = new Poco::JSON::Object;
  for (const auto& status : context_.status.all()) {
    if (status.push == "off") continue;
    Poco::JSON::Object::Ptr org = new Poco::JSON::Object;
    org->set("state", status.push);
    if (!status.pushDetail.empty())
      org->set("detail", context_.redact ? context_.redact(status.pushDetail) : status.pushDetail);
    push->set(status.orgName, org);
  }
  if (push->size() > 0) body->set("push", push);
  body->set("ready", ready);
  replyJson(response, ready ? 200 : 503, body);
}

}  // namespace evalbridge
