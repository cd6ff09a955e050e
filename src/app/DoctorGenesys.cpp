#include "app/DoctorGenesys.h"

#include <algorithm>
#include <set>

#include <Poco/String.h>
#include <Poco/URI.h>

#include "common/Errors.h"
#include "config/Regions.h"
#include "genesys/DataTableSchema.h"
#include "genesys/GenesysError.h"
#include "genesys/NotificationApi.h"
#include "genesys/NotificationFrame.h"
#include "genesys/OrgClient.h"
#include "genesys/PermissionProbes.h"

namespace evalbridge {
namespace {

std::string hostOf(const std::string& base) {
  try {
    Poco::URI uri(base);
    return uri.getAuthority();
  } catch (const Poco::Exception&) {
    return base;
  }
}

// Doctor answers in seconds, not after a 15-minute retry budget: one retry, short timeouts.
OrgSettings quickSettings(OrgSettings org) {
  org.retry.maxAttempts = std::min(org.retry.maxAttempts, 2);
  org.retry.initialMs = std::min(org.retry.initialMs, 200);
  org.retry.maxMs = std::max(org.retry.initialMs, std::min(org.retry.maxMs, 1000));
  org.retry.maxElapsedS = std::min(org.retry.maxElapsedS, 10);
  org.timeoutMs = std::min(org.timeoutMs, 10000);
  return org;
}

std::string describeRegion(const OrgSettings& org) {
  if (org.region.empty()) return "no region is configured (loginBase " + org.loginBase + ")";
  auto region = resolveRegion(org.region);
  return "the region is configured as " + (region ? region->name + " (" + region->domain + ")" : org.region);
}

std::string seen(const GenesysErrorInfo& info, const std::string& request, const std::string& host) {
  std::string text = request + " on " + host + " answered HTTP " + std::to_string(info.status);
  if (!info.code.empty()) text += " " + info.code;
  if (!info.message.empty()) text += ": " + info.message;
  if (!info.correlationId.empty()) text += " [inin-correlation-id " + info.correlationId + "]";
  return text;
}

std::string joined(const std::vector<std::string>& items) { return Poco::cat(std::string(", "), items.begin(), items.end()); }

// Where the role must be granted. TokenInfo names no division, so the hint cannot name one.
std::string divisionHint(const PermissionProbe& probe) {
  if (probe.permission.rfind("architect:", 0) == 0) return "the division that holds the data table";
  return "the division(s) that hold the evaluated conversations (all divisions, unless you mean to restrict it)";
}

const char* const kPushCheck = "push topic v2.quality.evaluations";

class OrgDoctor {
 public:
  OrgDoctor(const OrgSettings& org, ShutdownToken& shutdown)
      : org_(quickSettings(org)), subject_("org " + org.name), client_(org_, shutdown) {}

  DoctorChecks run() {
    if (login()) {
      identity();
      for (const auto& probe : probes()) permission(probe);
      if (!org_.writeBackDatatableId.empty()) dataTableSchema();
      pushTopic();
    } else {
      checks_.push_back(DoctorCheck::skipped(subject_, "org identity", "needs a token"));
      for (const auto& probe : probes()) checks_.push_back(DoctorCheck::skipped(subject_, probe.check, "needs a token"));
      if (!org_.writeBackDatatableId.empty())
        checks_.push_back(DoctorCheck::skipped(subject_, "write-back data table", "needs a token"));
      checks_.push_back(DoctorCheck::skipped(subject_, kPushCheck, "needs a token"));
    }
    return checks_;
  }

 private:
  bool login() {
    const std::string loginHost = hostOf(org_.loginBase);
    try {
      client_.accessToken();
      checks_.push_back(DoctorCheck::ok(subject_, "login",
                                        "client " + org_.clientId + " got a token from " + loginHost + " (" +
                                            describeRegion(org_) + ")"));
      return true;
    } catch (const GenesysApiError& e) {
      const auto& info = e.info();
      std::string fix;
      if (info.code == "invalid_client" || info.code == "unauthorized_client" || info.status == 400 ||
          info.status == 401) {
        fix = "wrong clientId/secret or wrong region: this org's login host is " + loginHost + "; " +
              describeRegion(org_) +
              ". An OAuth client exists only in its own org and region: check in org " + org_.name +
              " (Admin > Integrations > OAuth) that client " + org_.clientId +
              " exists with the Client Credentials grant and that genesys.orgs[" + org_.name +
              "].clientSecret is its current secret; if the org lives in another region, set \"region\" to it.";
      } else {
        fix = "the login host refused the client; check the client's grant type (Client Credentials) in org " +
              org_.name + ".";
      }
      checks_.push_back(DoctorCheck::fail(subject_, "login", seen(info, "POST /oauth/token", loginHost), fix));
    } catch (const Poco::Exception& e) {
      checks_.push_back(DoctorCheck::fail(
          subject_, "login", "POST /oauth/token on " + loginHost + ": " + e.message(),
          "the login host " + loginHost + " cannot be reached: check the network path (proxy: HTTPS_PROXY), " +
              describeRegion(org_) + ", and that it is the org's own region."));
    }
    return false;
  }

  void identity() {
    try {
      identity_ = client_.identity();
    } catch (const GenesysApiError& e) {
      checks_.push_back(DoctorCheck::fail(subject_, "org identity",
                                          seen(e.info(), "GET /api/v2/tokens/me", hostOf(org_.apiBase)),
                                          "the token was refused by the API host " + hostOf(org_.apiBase) +
                                              ": apiBase and loginBase must belong to the same region."));
      return;
    } catch (const Poco::Exception& e) {
      checks_.push_back(DoctorCheck::fail(subject_, "org identity", e.message(),
                                          "check that the API host " + hostOf(org_.apiBase) + " is reachable."));
      return;
    }
    const std::string seenText = "tokens/me on " + hostOf(org_.apiBase) + " says org " + identity_.orgId + " (" +
                                 identity_.orgName + ")";
    if (identity_.orgId == org_.orgId) {
      checks_.push_back(DoctorCheck::ok(subject_, "org identity", seenText));
    } else {
      checks_.push_back(DoctorCheck::fail(
          subject_, "org identity", seenText + ", but genesys.orgs[" + org_.name + "].orgId is " + org_.orgId,
          "the OAuth client " + org_.clientId + " belongs to org " + identity_.orgId + " (" + identity_.orgName +
              "), not to the configured one; sync refuses to export. Either set genesys.orgs[" + org_.name +
              "].orgId to " + identity_.orgId + " (if that is the org you meant) or use the clientId/clientSecret "
              "of an OAuth client created in org " + org_.orgId + "."));
    }
  }

  void permission(const PermissionProbe& probe) {
    const std::string host = hostOf(org_.apiBase);
    HttpResponse response;
    try {
      response = client_.probe(probe.method, probe.path, probe.body);
    } catch (const Poco::Exception& e) {
      checks_.push_back(DoctorCheck::fail(subject_, probe.check, probe.shownRequest + " on " + host + ": " + e.message(),
                                          "check that the API host " + host + " is reachable."));
      return;
    }
    const GenesysErrorInfo info = parseGenesysError(response);
    if (probe.passing.count(response.status)) {
      checks_.push_back(DoctorCheck::ok(subject_, probe.check,
                                        probe.shownRequest + " on " + host + " answered HTTP " +
                                            std::to_string(response.status) + " (allowed)"));
      return;
    }
    if (response.status == 403 && (info.code == "missing.permissions" || info.code == "missing.any.permissions")) {
      const std::string missing = info.permissions.empty() ? probe.permission : joined(info.permissions);
      if (!reportedMissing_.insert(missing).second) {
        // Said once with its fix already; a second identical failure would only be noise.
        checks_.push_back(DoctorCheck::skipped(subject_, probe.check, "cannot tell while " + missing + " is missing"));
        return;
      }
      checks_.push_back(DoctorCheck::fail(
          subject_, probe.check, seen(info, probe.shownRequest, host),
          "OAuth client " + org_.clientId + " of org " + org_.name + " lacks " + missing +
              (info.code == "missing.any.permissions" ? " (any one of them)" : "") +
              ". In Genesys Cloud org " + org_.name + ": Admin > Roles/Permissions, add " + missing +
              " to a role; then Admin > Integrations > OAuth > " + org_.clientId +
              " > Roles, assign that role in " + divisionHint(probe) +
              ". OAuth scopes do not apply to client credentials; the role does."));
      return;
    }
    if (probe.availabilityCheck && (response.status == 404 || response.status == 501)) {
      checks_.push_back(DoctorCheck::fail(
          subject_, probe.check, seen(info, probe.shownRequest, host),
          "org " + org_.name + " does not offer the evaluation export API (it is not part of the public Platform "
          "API). Set \"source\": \"search\" on genesys.orgs[" + org_.name + "] (the default: the official "
          "evaluation search, which needs " + std::string(kEvaluationSearchAnyPermission) + " as well as " +
          kEvaluationViewPermission + " on the OAuth client's role)."));
      return;
    }
    GenesysErrorContext where{org_.name, org_.orgId, org_.clientId, host, probe.shownRequest};
    checks_.push_back(DoctorCheck::fail(subject_, probe.check, seen(info, probe.shownRequest, host),
                                        explainGenesysError(info, where)));
  }

  std::vector<PermissionProbe> probes() const {
    auto all = permissionProbesFor(org_.source);
    if (!org_.writeBackDatatableId.empty())
      for (auto& probe : writeBackProbes(org_.writeBackDatatableId)) all.push_back(std::move(probe));
    return all;
  }

  // The write-back table must exist and have the columns the bridge writes (DataTable schema).
  void dataTableSchema() {
    const std::string check = "write-back data table";
    const std::string host = hostOf(org_.apiBase);
    const std::string request = "GET /api/v2/flows/datatables/{datatableId}?expand=schema";
    const std::string where = "genesys.orgs[" + org_.name + "].writeBack.datatableId";
    HttpResponse response;
    try {
      response = client_.probe("GET", dataTableSchemaPath(org_.writeBackDatatableId));
    } catch (const Poco::Exception& e) {
      checks_.push_back(DoctorCheck::fail(subject_, check, request + " on " + host + ": " + e.message(),
                                          "check that the API host " + host + " is reachable."));
      return;
    }
    const GenesysErrorInfo info = parseGenesysError(response);
    if (response.status == 404) {
      checks_.push_back(DoctorCheck::fail(subject_, check, seen(info, request, host),
                                          "org " + org_.name + " has no data table " + org_.writeBackDatatableId +
                                              ": check " + where + " (Architect > Data Tables shows each table's id)."));
      return;
    }
    if (response.status < 200 || response.status > 299) {
      if (response.status == 403 && reportedMissing_.count(kDataTableViewPermission)) return;
      GenesysErrorContext context{org_.name, org_.orgId, org_.clientId, host, request};
      checks_.push_back(DoctorCheck::fail(subject_, check, seen(info, request, host), explainGenesysError(info, context)));
      return;
    }
    const auto missing = missingWriteBackColumns(response.body);
    if (missing.empty()) {
      checks_.push_back(DoctorCheck::ok(subject_, check,
                                        "data table " + org_.writeBackDatatableId + " has the columns key, " +
                                            joined(writeBackColumns())));
      return;
    }
    checks_.push_back(DoctorCheck::fail(
        subject_, check, "data table " + org_.writeBackDatatableId + " lacks the column(s) " + joined(missing),
        "in org " + org_.name + ": Architect > Data Tables > " + org_.writeBackDatatableId + ", add " +
            joined(missing) + " as string column(s) (the key column holds the evaluation id)."));
  }

  // Push pickup needs the topic offered to this OAuth client (GET availabletopics). Without it the
  // org still works: `run` sweeps it every interval; the check says so and what to change.
  void pushTopic() {
    if (!org_.notifications) {
      checks_.push_back(DoctorCheck::skipped(subject_, kPushCheck,
                                             "\"notifications\": false: the org is swept only (every intervalS)"));
      return;
    }
    const std::string host = hostOf(org_.apiBase);
    const std::string request = "GET /api/v2/notifications/availabletopics";
    const std::string sweepOnly = " Until then `run` picks this org up by the sweep only (every intervalS).";
    AvailableTopicInfo topic;
    try {
      topic = availableTopic(client_, kEvaluationsTopic);
    } catch (const Poco::Exception& e) {
      checks_.push_back(DoctorCheck::fail(subject_, kPushCheck, request + " on " + host + ": " + e.message(),
                                          "check the message above." + sweepOnly));
      return;
    }
    if (!topic.offered) {
      checks_.push_back(DoctorCheck::fail(
          subject_, kPushCheck, request + " on " + host + ": " + kEvaluationsTopic + " is not offered to OAuth client " +
                                    org_.clientId,
          "in org " + org_.name + ": give the role of OAuth client " + org_.clientId +
              " the permission the topic needs (quality:evaluation:view), or set \"notifications\": false for "
              "genesys.orgs[" + org_.name + "]." + sweepOnly));
      return;
    }
    std::vector<std::string> missing;
    for (const auto& permission : topic.requiresPermissions)
      if (reportedMissing_.count(permission)) missing.push_back(permission);
    if (!missing.empty()) {
      // Already a failure above, with its fix: said once, this line only tells what it costs.
      checks_.push_back(DoctorCheck::skipped(
          subject_, kPushCheck,
          std::string(kEvaluationsTopic) + " requires " + joined(missing) + ", which is missing (see above)." +
              sweepOnly));
      return;
    }
    checks_.push_back(DoctorCheck::ok(
        subject_, kPushCheck,
        std::string(kEvaluationsTopic) + " is offered" +
            (topic.requiresPermissions.empty() ? std::string() : " (requires " + joined(topic.requiresPermissions) + ")") +
            "; `run` subscribes a notification channel to it"));
  }

  OrgSettings org_;
  std::string subject_;
  OrgClient client_;
  OrgIdentity identity_;
  DoctorChecks checks_;
  std::set<std::string> reportedMissing_;
};

}  // namespace

DoctorChecks checkGenesysOrg(const OrgSettings& org, ShutdownToken& shutdown) {
  return OrgDoctor(org, shutdown).run();
}

}  // namespace evalbridge
