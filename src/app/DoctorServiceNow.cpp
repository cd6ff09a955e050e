#include "app/DoctorServiceNow.h"

#include <algorithm>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include "common/Errors.h"
#include "http/HttpClient.h"
#include "servicenow/ServiceNowClient.h"

namespace evalbridge {
namespace {

const char* const kSubject = "servicenow";
// A key no incident carries: the query must come back empty (and must not be ignored).
const char* const kProbeKey = "evalbridge:doctor-probe";

std::string hostOf(const std::string& base) {
  try {
    return Poco::URI(base).getAuthority();
  } catch (const Poco::Exception&) {
    return base;
  }
}

ServiceNowSettings quickSettings(ServiceNowSettings settings) {
  settings.timeoutMs = std::min(settings.timeoutMs, 10000);
  return settings;
}

class ServiceNowDoctor {
 public:
  ServiceNowDoctor(const ServiceNowSettings& settings, ShutdownToken& shutdown)
      : settings_(quickSettings(settings)), host_(hostOf(settings.instanceUrl)), client_(settings_, shutdown) {}

  DoctorChecks run() {
    const std::string readPath = "/api/now/table/" + settings_.table + "?sysparm_limit=1&sysparm_fields=sys_id";
    const std::string shown = "GET /api/now/table/" + settings_.table + "?sysparm_limit=1";
    HttpResponse response;
    try {
      response = client_.get(readPath);
    } catch (const AccessRefused& e) {
      // The token endpoint answered: the instance is there, the credentials are what it refused.
      checks_.push_back(DoctorCheck::ok(kSubject, "reachable", settings_.auth.tokenUrl + " answered"));
      checks_.push_back(DoctorCheck::fail(kSubject, "credentials", e.message(), rejectedFix()));
      skipRest("table read");
      return checks_;
    } catch (const Poco::Exception& e) {
      unreachable(e);
      return checks_;
    }
    checks_.push_back(DoctorCheck::ok(kSubject, "reachable",
                                      settings_.instanceUrl.rfind("https://", 0) == 0
                                          ? host_ + " answered over TLS with a trusted certificate"
                                          : host_ + " answered (plain HTTP, loopback only)"));
    if (response.status == 401) {
      checks_.push_back(DoctorCheck::fail(
          kSubject, "credentials", shown + " on " + host_ + " answered " + describeServiceNowError(response),
          rejectedFix()));
      skipRest("table read");
      return checks_;
    }
    checks_.push_back(DoctorCheck::ok(kSubject, "credentials", credentialsHolder(settings_) + " is accepted"));
    if (response.status == 403) {
      checks_.push_back(DoctorCheck::fail(
          kSubject, "table read", shown + " on " + host_ + " answered " + describeServiceNowError(response),
          credentialsHolder(settings_) + " may not read table " + settings_.table +
              ": give it a role whose ACLs allow read and create on " + settings_.table +
              " (for incident, the itil role), or fix servicenow.table."));
      skipRest("correlation_id query");
      return checks_;
    }
    if (response.status != 200) {
      checks_.push_back(DoctorCheck::fail(kSubject, "table read",
                                          shown + " on " + host_ + " answered " + describeServiceNowError(response),
                                          "check servicenow.table (" + settings_.table +
                                              ") and servicenow.instanceUrl (" + settings_.instanceUrl + ")."));
      skipRest("correlation_id query");
      return checks_;
    }
    checks_.push_back(
        DoctorCheck::ok(kSubject, "table read", credentialsHolder(settings_) + " can read " + settings_.table));
    correlationQuery();
    return checks_;
  }

 private:
  // A 401 on the table read, or a refused token request (whose message says what the grant needs).
  std::string rejectedFix() const {
    return "ServiceNow rejected " + credentialsHolder(settings_) + ": " + credentialsFix(settings_) + ".";
  }

  void unreachable(const Poco::Exception& e) {
    const bool tls = e.message().find("TLS certificate") != std::string::npos;
    checks_.push_back(DoctorCheck::fail(
        kSubject, tls ? "TLS" : "reachable", settings_.instanceUrl + ": " + e.message(),
        tls ? "the certificate of " + host_ + " is not trusted here: if the instance uses a private CA, set "
                  "servicenow.caFile to that CA's PEM bundle; otherwise check that instanceUrl names the instance "
                  "itself (not a proxy that terminates TLS)."
            : "check servicenow.instanceUrl (" + settings_.instanceUrl +
                  "), DNS, firewalls and the proxy (HTTPS_PROXY / NO_PROXY)."));
    skipRest("credentials");
  }

  void skipRest(const std::string& from) {
    static const std::vector<std::string> order = {"credentials", "table read", "correlation_id query"};
    auto start = std::find(order.begin(), order.end(), from);
    for (auto it = start; it != order.end(); ++it)
      checks_.push_back(DoctorCheck::skipped(kSubject, *it, "needs the previous check"));
  }

  void correlationQuery() {
    const std::string path = "/api/now/table/" + settings_.table + "?sysparm_query=" + urlEncode(std::string("correlation_id=") + kProbeKey) +
                             "&sysparm_fields=sys_id,correlation_id&sysparm_limit=1";
    const std::string shown = "GET /api/now/table/" + settings_.table + "?sysparm_query=correlation_id=" + kProbeKey;
    try {
      HttpResponse response = client_.get(path);
      if (response.status != 200) {
        checks_.push_back(DoctorCheck::fail(kSubject, "correlation_id query",
                                            shown + " on " + host_ + " answered " + describeServiceNowError(response),
                                            credentialsHolder(settings_) + " must be able to query " + settings_.table +
                                                ".correlation_id (the bridge looks incidents up by it before it "
                                                "ever posts twice): allow read on that field's ACL."));
        return;
      }
      Poco::JSON::Parser parser;
      auto body = parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
      auto result = body->getArray("result");
      if (result && result->size() > 0) {
        // ServiceNow ignores a condition on a field it does not know (or may not read) and
        // returns every record: then lookups by correlation_id would match anything.
        checks_.push_back(DoctorCheck::fail(
            kSubject, "correlation_id query", shown + " on " + host_ + " returned records that do not match",
            "table " + settings_.table + " has no readable correlation_id field for " + credentialsHolder(settings_) +
                ": use a table extending task (incident does), or allow read on correlation_id."));
        return;
      }
      checks_.push_back(DoctorCheck::ok(kSubject, "correlation_id query", shown + " answered an empty result"));
    } catch (const Poco::Exception& e) {
      checks_.push_back(DoctorCheck::fail(kSubject, "correlation_id query", shown + ": " + e.message(),
                                          "check that " + host_ + " stays reachable."));
    }
  }

  ServiceNowSettings settings_;
  std::string host_;
  ServiceNowClient client_;
  DoctorChecks checks_;
};

}  // namespace

DoctorChecks checkServiceNow(const ServiceNowSettings& settings, ShutdownToken& shutdown) {
  return ServiceNowDoctor(settings, shutdown).run();
}

}  // namespace evalbridge
