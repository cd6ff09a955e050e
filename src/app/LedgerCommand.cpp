#include <iomanip>
#include <ostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSONString.h>

#include "app/Commands.h"
#include "common/Errors.h"
#include "config/Config.h"
#include "ledger/Ledger.h"

namespace evalbridge {
namespace {

std::string ledgerPathFor(const CommandLine& line) {
  if (auto path = line.value("ledger")) return *path;
  return loadConfig(configPathFor(line)).ledgerPath;
}

Poco::JSON::Object recordJson(const LedgerRecord& r, bool full) {
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("key", r.key());
  o.set("org", r.orgName);
  o.set("orgId", r.orgId);
  o.set("evaluationId", r.evaluationId);
  o.set("status", toString(r.status));
  if (r.operation != Operation::None) o.set("operation", toString(r.operation));
  o.set("changedDate", r.changedDate);
  o.set("incidentNumber", r.incident.number);
  o.set("incidentSysId", r.incident.sysId);
  o.set("incidentState", r.incident.state);
  if (!r.skipReason.empty()) o.set("skipReason", r.skipReason);
  if (!r.lastError.empty()) o.set("lastError", r.lastError);
  o.set("attempts", r.attempts);
  o.set("correlationId", r.correlationId);
  o.set("updatedAt", r.updatedAt);
  if (full) {
    o.set("firstSeenAt", r.firstSeenAt);
    o.set("incidentUpdatedOn", r.incident.updatedOn);
    if (r.incident.modCount) o.set("incidentModCount", *r.incident.modCount);
    if (!r.fieldsJson.empty()) o.set("fields", Poco::JSON::Parser().parse(r.fieldsJson));
    if (!r.rawJson.empty()) o.set("raw", r.rawJson);
  }
  return o;
}

void printTable(const std::vector<LedgerRecord>& records, std::ostream& out) {
  out << std::left << std::setw(14) << "ORG" << std::setw(38) << "EVALUATION" << std::setw(9) << "STATUS"
      << std::setw(12) << "INCIDENT" << std::setw(7) << "STATE" << "DETAIL\n";
  for (const auto& r : records) {
    std::string detail = r.status == RecordStatus::Skipped ? r.skipReason : r.lastError;
    if (r.status == RecordStatus::Pending) detail = std::string(toString(r.operation)) + (detail.empty() ? "" : ": " + detail);
    if (detail.size() > 90) detail = detail.substr(0, 87) + "...";
    out << std::setw(14) << r.orgName << std::setw(38) << r.evaluationId << std::setw(9) << toString(r.status)
        << std::setw(12) << (r.incident.number.empty() ? "-" : r.incident.number) << std::setw(7)
        << (r.incident.state.empty() ? "-" : r.incident.state) << detail << "\n";
  }
}

RecordFilter filterFrom(const CommandLine& line) {
  RecordFilter filter;
  if (auto org = line.value("org")) filter.orgId = *org;
  if (auto status = line.value("status")) {
    try {
      filter.status = recordStatusFromString(*status);
    } catch (const PermanentError& e) {
      throw UsageError("evalbridge ledger list --status: " + e.message());
    }
  }
  if (auto state = line.value("state")) filter.incidentState = *state;
  if (auto limit = line.value("limit")) {
    try {
      filter.limit = std::stoi(*limit);
    } catch (const std::exception&) {
      throw UsageError("evalbridge ledger list --limit: '" + *limit + "' is not a number");
    }
  }
  return filter;
}

int list(Ledger& ledger, const RecordFilter& filter, bool json, std::ostream& out) {
  auto records = ledger.list(filter);
  if (json) {
    Poco::JSON::Array array;
    for (const auto& r : records) array.add(recordJson(r, false));
    array.stringify(out, 2);
    out << "\n";
  } else {
    printTable(records, out);
    out << records.size() << " record(s)\n";
  }
  return kExitOk;
}

int show(Ledger& ledger, const std::string& key, bool json, std::ostream& out) {
  auto record = ledger.findByKey(key);
  if (!record) {
    out << "no ledger record for '" << key << "'\n";
    return kExitFailure;
  }
  auto history = ledger.history(record->orgId, record->evaluationId);
  if (json) {
    Poco::JSON::Object o = recordJson(*record, true);
    Poco::JSON::Array events;
    for (const auto& h : history) {
      Poco::JSON::Object e(Poco::JSON_PRESERVE_KEY_ORDER);
      e.set("at", h.at);
      e.set("event", h.event);
      e.set("detail", h.detail);
      events.add(e);
    }
    o.set("history", events);
    o.stringify(out, 2);
    out << "\n";
    return kExitOk;
  }
  const LedgerRecord& r = *record;
  out << "key:            " << r.key() << "\n"
      << "org:            " << r.orgName << " (" << r.orgId << ")\n"
      << "evaluation:     " << r.evaluationId << "\n"
      << "status:         " << toString(r.status) << (r.operation != Operation::None ? std::string(" (") + toString(r.operation) + ")" : "") << "\n"
      << "changedDate:    " << r.changedDate << "\n"
      << "correlation_id: " << r.correlationId << "\n";
  if (!r.incident.sysId.empty())
    out << "incident:       " << r.incident.number << " (sys_id " << r.incident.sysId << "), state " << r.incident.state
        << ", updated " << r.incident.updatedOn << "\n";
  if (!r.skipReason.empty()) out << "skip reason:    " << r.skipReason << "\n";
  if (!r.lastError.empty()) out << "last error:     " << r.lastError << " (attempts " << r.attempts << ")\n";
  if (!r.fieldsJson.empty()) out << "fields:         " << r.fieldsJson << "\n";
  out << "history:\n";
  for (const auto& h : history) out << "  " << h.at << "  " << h.event << (h.detail.empty() ? "" : ": " + h.detail) << "\n";
  return kExitOk;
}

int stats(Ledger& ledger, bool json, std::ostream& out) {
  auto byOrg = ledger.statsByOrg();
  static const char* kStatuses[] = {"created", "updated", "skipped", "dead", "pending"};
  if (json) {
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [orgId, counts] : byOrg) {
      Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
      o.set("exported", counts.total);
      for (const char* status : kStatuses) o.set(status, counts.byStatus.count(status) ? counts.byStatus.at(status) : 0);
      root.set(orgId, o);
    }
    root.stringify(out, 2);
    out << "\n";
    return kExitOk;
  }
  out << std::left << std::setw(40) << "ORG ID" << std::setw(10) << "EXPORTED";
  for (const char* status : kStatuses) out << std::setw(9) << status;
  out << "\n";
  for (const auto& [orgId, counts] : byOrg) {
    out << std::setw(40) << orgId << std::setw(10) << counts.total;
    for (const char* status : kStatuses) out << std::setw(9) << (counts.byStatus.count(status) ? counts.byStatus.at(status) : 0);
    out << "\n";
  }
  out << "exported = created + updated + skipped + dead + pending, per org\n";
  return kExitOk;
}

}  // namespace

int runLedgerCommand(const CommandLine& line, std::ostream& out) {
  allowOnly(line, {"org", "status", "state", "limit", "json", "all", "ledger"});
  if (line.words.empty()) throw UsageError("evalbridge ledger: say list, show KEY, stats, dead or replay KEY|--all");
  const std::string& verb = line.words[0];
  Ledger ledger(ledgerPathFor(line));
  const bool json = line.has("json");
  if (verb == "list") return list(ledger, filterFrom(line), json, out);
  if (verb == "dead") {
    RecordFilter filter = filterFrom(line);
    filter.status = RecordStatus::Dead;
    return list(ledger, filter, json, out);
  }
  if (verb == "stats") return stats(ledger, json, out);
  if (verb == "show") {
    if (line.words.size() != 2) throw UsageError("evalbridge ledger show: give exactly one KEY");
    return show(ledger, line.words[1], json, out);
  }
  if (verb == "replay") {
    int moved = 0;
    if (line.has("all")) {
      moved = ledger.replay("", "");
    } else {
      if (line.words.size() != 2) throw UsageError("evalbridge ledger replay: give one KEY, or --all");
      auto record = ledger.findByKey(line.words[1]);
      if (!record) throw UsageError("evalbridge ledger replay: no ledger record for '" + line.words[1] + "'");
      if (record->status != RecordStatus::Dead)
        throw UsageError("evalbridge ledger replay: " + record->key() + " is " + toString(record->status) + ", not dead");
      moved = ledger.replay(record->orgId, record->evaluationId);
    }
    out << moved << " record(s) moved from the dead letter to pending; the next `evalbridge sync --once` (or the running daemon) delivers them\n";
    return kExitOk;
  }
  throw UsageError("evalbridge ledger: unknown subcommand '" + verb + "'");
}

}  // namespace evalbridge
