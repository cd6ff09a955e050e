#include <iomanip>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <typeinfo>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSONString.h>

#include "app/Commands.h"
#include "common/Errors.h"
#include "config/Config.h"
#include "ledger/IncidentStates.h"
#include "ledger/Ledger.h"
#include "ledger/Database.h"
#include "ledger/LedgerCopy.h"
#include "ledger/LedgerFileSize.h"
#include "ledger/Retention.h"
#include "mapping/Mapping.h"
#include "genesys/MalformedEntry.h"
#include "sync/OrgSync.h"

namespace evalbridge {
namespace {

// --ledger names a SQLite file or a PostgreSQL URL (its password from libpq's PGPASSWORD or
// ~/.pgpass); otherwise the configuration's ledger, with ledger.password.
std::unique_ptr<Ledger> openLedgerFor(const CommandLine& line) {
  if (auto location = line.value("ledger")) return std::make_unique<Ledger>(*location);
  const Config config = loadConfig(configPathFor(line));
  return std::make_unique<Ledger>(config.ledgerPath, config.ledgerPassword);
}

// The retention `ledger prune` and `ledger stats` apply: the configuration's; with `--ledger FILE`
// and no `--config`, the documented defaults (a config file lying around in the current folder is
// not picked up silently for a ledger named by hand).
struct RetentionInUse {
  RetentionPolicy policy;
  std::string source;
};

RetentionInUse retentionFor(const CommandLine& line) {
  if (line.value("ledger") && !line.value("config")) return {RetentionPolicy{}, "defaults"};
  const std::string path = configPathFor(line);
  return {loadConfig(path).retention, path};
}

std::string describePolicy(const RetentionInUse& retention) {
  return "skipped " + formatIsoDuration(retention.policy.skippedS) + ", closed " +
         formatIsoDuration(retention.policy.closedS) + ", history " + formatIsoDuration(retention.policy.historyS) +
         " (" + (retention.source == "defaults" ? std::string("defaults") : "from " + retention.source) + ")";
}

Poco::JSON::Object countsJson(const PruneCounts& counts) {
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("skipped", counts.skipped);
  o.set("closed", counts.closed);
  o.set("history", counts.history);
  return o;
}

Poco::JSON::Object fileJson(const LedgerFileSize& size) {
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("path", size.path);
  o.set("bytes", size.totalBytes());
  o.set("databaseBytes", size.databaseBytes);
  o.set("walBytes", size.walBytes);
  o.set("freeBytes", size.freeBytes);
  return o;
}

std::string describeFile(const LedgerFileSize& size) {
  if (isPostgresLocation(size.path))
    return "ledger database " + size.path + ": " + std::to_string(size.databaseBytes) + " bytes (as PostgreSQL counts it)";
  return "ledger file: " + std::to_string(size.totalBytes()) + " bytes (database " +
         std::to_string(size.databaseBytes) + " + WAL " + std::to_string(size.walBytes) + "), of which " +
         std::to_string(size.freeBytes) + " bytes are free pages reused for new records";
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
  if (!r.incident.state.empty()) o.set("incidentStateName", incidentStateName(r.incident.state));
  if (!r.assignmentGroup.empty()) o.set("assignmentGroup", r.assignmentGroup);
  if (!r.closeCode.empty()) o.set("closeCode", r.closeCode);
  if (!r.closeNotes.empty()) o.set("closeNotes", r.closeNotes);
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
  // "resolved", "Resolved" or "6" all mean ServiceNow's state 6.
  if (auto state = line.value("state")) filter.incidentState = incidentStateCode(*state).value_or(*state);
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
    out << "incident:       " << r.incident.number << " (sys_id " << r.incident.sysId << "), state "
        << incidentStateName(r.incident.state)
        << ", updated " << r.incident.updatedOn << "\n";
  if (!r.assignmentGroup.empty()) out << "assignment:     " << r.assignmentGroup << "\n";
  if (!r.closeCode.empty() || !r.closeNotes.empty())
    out << "closed:         " << r.closeCode << (r.closeNotes.empty() ? "" : ": " + r.closeNotes) << "\n";
  if (!r.skipReason.empty()) out << "skip reason:    " << r.skipReason << "\n";
  if (!r.lastError.empty()) out << "last error:     " << r.lastError << " (attempts " << r.attempts << ")\n";
  if (!r.fieldsJson.empty()) out << "fields:         " << r.fieldsJson << "\n";
  out << "history:\n";
  for (const auto& h : history) out << "  " << h.at << "  " << h.event << (h.detail.empty() ? "" : ": " + h.detail) << "\n";
  return kExitOk;
}

int stats(Ledger& ledger, const RetentionInUse& retention, bool json, std::ostream& out) {
  auto byOrg = ledger.statsByOrg();
  const PruneReport prunable = Retention(ledger.database(), retention.policy).measure(Poco::Timestamp());
  for (const auto& [orgId, counts] : prunable.byOrg) byOrg[orgId];  // an org with only old history left
  const LedgerFileSize size = measureLedgerFile(ledger.database());
  static const char* kStatuses[] = {"created", "updated", "skipped", "dead", "pending"};
  auto prunableFor = [&](const std::string& orgId) {
    auto found = prunable.byOrg.find(orgId);
    return found == prunable.byOrg.end() ? PruneCounts{} : found->second;
  };
  if (json) {
    // Orgs stay the root's members (by orgId) as before; the file is one more member beside them.
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [orgId, counts] : byOrg) {
      Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
      o.set("exported", counts.total);
      for (const char* status : kStatuses) o.set(status, counts.byStatus.count(status) ? counts.byStatus.at(status) : 0);
      o.set("prunableNow", countsJson(prunableFor(orgId)));
      root.set(orgId, o);
    }
    root.set("ledgerFile", fileJson(size));
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
  out << "exported = created + updated + skipped + dead + pending, per org (records the ledger holds)\n";
  out << "a prune now would remove, with retention " << describePolicy(retention) << ":\n";
  if (prunable.byOrg.empty()) out << "  nothing\n";
  for (const auto& [orgId, counts] : prunable.byOrg) out << "  " << orgId << ": " << describe(counts) << "\n";
  out << describeFile(size) << "\n";
  return kExitOk;
}

// `ledger prune [--dry-run]`: applies (or only measures) the retention, per org.
int prune(Ledger& ledger, const RetentionInUse& retention, bool dryRun, bool json, std::ostream& out) {
  const Poco::Timestamp now;
  Retention applier(ledger.database(), retention.policy);
  const PruneReport report = dryRun ? applier.measure(now) : applier.prune(now);
  const LedgerFileSize size = measureLedgerFile(ledger.database());
  if (json) {
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    root.set("dryRun", dryRun);
    Poco::JSON::Object policy(Poco::JSON_PRESERVE_KEY_ORDER);
    policy.set("skipped", formatIsoDuration(retention.policy.skippedS));
    policy.set("closed", formatIsoDuration(retention.policy.closedS));
    policy.set("history", formatIsoDuration(retention.policy.historyS));
    policy.set("source", retention.source);
    root.set("retention", policy);
    Poco::JSON::Object orgs(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [orgId, counts] : report.byOrg) orgs.set(orgId, countsJson(counts));
    root.set(dryRun ? "wouldRemove" : "removed", orgs);
    root.set("total", countsJson(report.total()));
    root.set("batches", report.batches);
    root.set("ledgerFile", fileJson(size));
    root.stringify(out, 2);
    out << "\n";
    return kExitOk;
  }
  out << "retention: " << describePolicy(retention) << "\n";
  out << (dryRun ? "a prune would remove:\n" : "removed:\n");
  if (report.byOrg.empty()) out << "  nothing\n";
  for (const auto& [orgId, counts] : report.byOrg) out << "  " << orgId << ": " << describe(counts) << "\n";
  if (report.byOrg.size() > 1) out << "  total: " << describe(report.total()) << "\n";
  if (dryRun)
    out << "dry run: nothing was removed\n";
  else
    out << "in " << report.batches << " transaction(s)\n";
  out << describeFile(size) << "\n";
  if (!dryRun && !report.byOrg.empty() && !isPostgresLocation(size.path))
    out << "note: freed pages stay in the file and are reused for new records, so the ledger stops growing but "
           "does not shrink; to return the space to the disk, stop `evalbridge run` and run "
           "`sqlite3 LEDGER 'VACUUM'`\n";
  return kExitOk;
}

// `ledger replay`: a dead record is mapped again from its raw evaluation with its org's current
// mapping (the usual fix for a mapping error is a fixed mapping file), then moved back to pending;
// the next sync delivers it, looking up its correlation_id first. Without a configuration (only
// --ledger) or a raw record, it is moved back as it is.
class Replayer {
 public:
  Replayer(Ledger& ledger, const CommandLine& line, std::ostream& out) : ledger_(ledger), out_(out) {
    try {
      config_ = loadConfig(configPathFor(line));
    } catch (const ConfigError& e) {
      if (!line.value("ledger")) throw;
      out_ << "note: no usable configuration (" << e.message() << "); records are replayed without mapping them again\n";
    }
  }

  void replay(const LedgerRecord& record) {
    const Mapping* mapping = mappingFor(record.orgId);
    Poco::JSON::Object::Ptr evaluation;
    if (mapping && !record.rawJson.empty()) {
      try {
        Poco::Dynamic::Var raw = Poco::JSON::Parser().parse(record.rawJson);
        if (raw.type() == typeid(Poco::JSON::Object::Ptr)) evaluation = raw.extract<Poco::JSON::Object::Ptr>();
      } catch (const Poco::Exception&) {
        // not JSON: handled below as still unreadable
      }
      if (!evaluation) evaluation = malformed(record.rawJson);
    }
    if (!evaluation) {
      moved_ += ledger_.replay(record.orgId, record.evaluationId);
      return;
    }
    Observation observation = observationOf(record.orgId, record.orgName, *mapping, evaluation);
    if (!observation.deadReason.empty() || observation.evaluationId != record.evaluationId) {
      std::string reason = observation.deadReason.empty() ? "the raw record now reads as another evaluation"
                                                          : observation.deadReason;
      ledger_.markDead(record.orgId, record.evaluationId, "replay: still cannot be mapped: " + reason);
      stillDead_.push_back(record.key() + ": " + reason);
      return;
    }
    Remapping remapping{observation.matched, observation.fieldsJson, observation.skipReason};
    if (!ledger_.replayRemapped(record.orgId, record.evaluationId, remapping)) return;
    ++moved_;
    ++remapped_;
    if (!remapping.matched && record.incident.sysId.empty()) ++nowSkipped_;
  }

  int report() {
    out_ << moved_ << " record(s) moved from the dead letter";
    if (remapped_ > 0) out_ << " (" << remapped_ << " mapped again with the current mapping, " << nowSkipped_
                            << " of them no longer match and are now skipped)";
    out_ << "; the next `evalbridge sync --once` (or the running daemon) delivers the pending ones\n";
    for (const auto& line : stillDead_) out_ << "still dead: " << line << "\n";
    return stillDead_.empty() ? kExitOk : kExitDeadLetters;
  }

 private:
  static Poco::JSON::Object::Ptr malformed(const std::string& raw) {
    return makeMalformedEntry(raw, "the raw record is not a JSON object");
  }

  const Mapping* mappingFor(const std::string& orgId) {
    if (!config_) return nullptr;
    auto found = mappings_.find(orgId);
    if (found != mappings_.end()) return &found->second;
    for (const auto& org : config_->orgs) {
      if (org.orgId != orgId) continue;
      return &mappings_.emplace(orgId, Mapping::loadFile(org.mappingPath)).first->second;
    }
    return nullptr;  // the org is no longer configured
  }

  Ledger& ledger_;
  std::ostream& out_;
  std::optional<Config> config_;
  std::map<std::string, Mapping> mappings_;
  int moved_ = 0;
  int remapped_ = 0;
  int nowSkipped_ = 0;
  std::vector<std::string> stillDead_;
};

}  // namespace

// `ledger migrate --to URL`: the source ledger (the configuration's, or --ledger) copied into the
// one at URL (its password from PGPASSWORD or ~/.pgpass, as libpq reads them), then verified.
int migrate(Ledger& source, const std::string& to, bool json, std::ostream& out) {
  Ledger destination(to);
  if (destination.path() == source.path())
    throw UsageError("evalbridge ledger migrate: --to names the ledger being copied");
  const std::vector<TableCopy> copies = copyLedger(source.database(), destination.database());
  bool verified = true;
  Poco::JSON::Array tables;
  if (!json) out << "ledger migrate: " << source.path() << " -> " << destination.path() << "\n";
  for (const auto& copy : copies) {
    verified = verified && copy.matches();
    if (json) {
      Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
      o.set("table", copy.table);
      o.set("sourceRows", copy.sourceRows);
      o.set("added", copy.added);
      o.set("destinationRows", copy.destinationRows);
      tables.add(o);
    } else {
      out << "  " << copy.table << ": " << copy.sourceRows << " row(s), " << copy.added << " new"
          << (copy.matches() ? "" : "; the destination has " + std::to_string(copy.destinationRows) + ": MISMATCH")
          << "\n";
    }
  }
  if (json) {
    Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("source", source.path());
    o.set("destination", destination.path());
    o.set("tables", tables);
    o.set("verified", verified);
    o.stringify(out);
    out << "\n";
  } else {
    out << (verified ? "verified: every table has as many rows in the destination as in the source\n"
                     : "NOT verified: the destination's counts differ (rows written there by something else, or "
                       "the source changed during the copy: stop `evalbridge run` and run migrate again)\n");
  }
  return verified ? kExitOk : kExitFailure;
}

int runLedgerCommand(const CommandLine& line, std::ostream& out) {
  allowOnly(line, {"org", "status", "state", "limit", "json", "all", "ledger", "dry-run", "to"});
  if (line.words.empty())
    throw UsageError(
        "evalbridge ledger: say list, show KEY, stats, dead, replay KEY|--all, prune [--dry-run] or migrate --to URL");
  const std::string& verb = line.words[0];
  if (line.has("dry-run") && verb != "prune")
    throw UsageError("evalbridge ledger " + verb + ": --dry-run is only for prune");
  const std::unique_ptr<Ledger> opened = openLedgerFor(line);
  Ledger& ledger = *opened;
  const bool json = line.has("json");
  if (verb == "list") return list(ledger, filterFrom(line), json, out);
  if (verb == "dead") {
    RecordFilter filter = filterFrom(line);
    filter.status = RecordStatus::Dead;
    return list(ledger, filter, json, out);
  }
  if (verb == "stats") return stats(ledger, retentionFor(line), json, out);
  if (verb == "migrate") {
    const auto to = line.value("to");
    if (!to || !isPostgresLocation(*to))
      throw UsageError("evalbridge ledger migrate: give --to postgresql://USER@HOST/DB (password in PGPASSWORD)");
    return migrate(ledger, *to, json, out);
  }
  if (verb == "prune") {
    if (line.words.size() != 1) throw UsageError("evalbridge ledger prune: takes no KEY (only --dry-run, --json)");
    return prune(ledger, retentionFor(line), line.has("dry-run"), json, out);
  }
  if (verb == "show") {
    if (line.words.size() != 2) throw UsageError("evalbridge ledger show: give exactly one KEY");
    return show(ledger, line.words[1], json, out);
  }
  if (verb == "replay") {
    std::vector<LedgerRecord> targets;
    if (line.has("all")) {
      RecordFilter filter;
      filter.status = RecordStatus::Dead;
      filter.limit = 1 << 30;
      targets = ledger.list(filter);
    } else {
      if (line.words.size() != 2) throw UsageError("evalbridge ledger replay: give one KEY, or --all");
      auto record = ledger.findByKey(line.words[1]);
      if (!record) throw UsageError("evalbridge ledger replay: no ledger record for '" + line.words[1] + "'");
      if (record->status != RecordStatus::Dead)
        throw UsageError("evalbridge ledger replay: " + record->key() + " is " + toString(record->status) + ", not dead");
      targets.push_back(*record);
    }
    Replayer replayer(ledger, line, out);
    for (const auto& record : targets) replayer.replay(record);
    return replayer.report();
  }
  throw UsageError("evalbridge ledger: unknown subcommand '" + verb + "'");
}

}  // namespace evalbridge
