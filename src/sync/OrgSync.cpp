#include "sync/OrgSync.h"

#include <algorithm>
#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/JSONString.h>
#include <Poco/Logger.h>
#include <Poco/Timespan.h>

#include "common/Errors.h"
#include "common/IsoTime.h"
#include "config/Config.h"
#include "genesys/EvaluationKey.h"
#include "genesys/EvaluationProjection.h"
#include "genesys/EvaluationSource.h"
#include "genesys/MalformedEntry.h"
#include "genesys/OrgClient.h"
#include "http/ShutdownToken.h"
#include "ledger/Ledger.h"
#include "ledger/OrgFence.h"
#include "mapping/Mapping.h"
#include "servicenow/DeliveryQueue.h"
#include "sync/SweepWindows.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.sync"); }

std::string stringify(const Poco::JSON::Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

std::string fieldsToJson(const IncidentFields& fields) {
  Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [name, value] : fields) object.set(name, value);
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

Poco::Timestamp requireTime(const std::string& text, const std::string& what) {
  auto parsed = parseIsoTimeOrDate(text);
  if (!parsed) throw ConfigError(what + ": '" + text + "' is not an ISO 8601 time (e.g. 2026-11-01T00:00:00Z)");
  return *parsed;
}

}  // namespace

OrgSync::OrgSync(const OrgSettings& org, OrgClient& client, EvaluationSource& source, const Mapping& mapping,
                 Ledger& ledger, IncidentSink& sink, ShutdownToken& shutdown)
    : org_(org),
      client_(client),
      source_(source),
      mapping_(mapping),
      ledger_(ledger),
      sink_(sink),
      shutdown_(shutdown),
      completer_(client, mapping, source.projection()) {}

OrgSyncReport OrgSync::run(const SyncRange& range) {
  OrgSyncReport report;
  report.orgName = org_.name;
  report.orgId = org_.orgId;
  ledger_.beginSweep(org_.orgId);
  try {
    // A token is only ever valid in its own org: refuse to export when the credentials belong
    // to another org than the one configured (the ledger keys everything by orgId). Asked once
    // per token: the answer cannot change while the token does not.
    OrgIdentity identity = client_.tokenIdentity();
    if (identity.orgId != org_.orgId) {
      throw PermanentError("org " + org_.name + ": the configured orgId is " + org_.orgId +
                           ", but the OAuth client " + org_.clientId + " belongs to org " + identity.orgId + " (" +
                           identity.orgName + "). Fix genesys.orgs[].orgId, or use the OAuth client of org " +
                           org_.name + "; refusing to export.");
    }

    // What an earlier run left pending may already be in ServiceNow: look before posting.
    deliverPending(report);

    const Poco::Timespan overlap(static_cast<long>(org_.sweepOverlapS()), 0);
    const Poco::Timespan maxWindow(static_cast<long>(org_.sweepWindowS()), 0);
    Poco::Timestamp start;
    if (range.from) {
      start = requireTime(*range.from, "--from");
    } else if (auto checkpoint = ledger_.checkpoint(org_.orgId)) {
      start = requireTime(*checkpoint, "ledger checkpoint") - overlap;
    } else {
      start = requireTime(org_.startFrom, "genesys.orgs[" + org_.name + "].startFrom");
    }
    Poco::Timestamp end = range.to ? requireTime(*range.to, "--to") : Poco::Timestamp();
    if (end < start) throw ConfigError("--to is before the start of the export (" + formatIsoTime(start) + ")");
    if (const auto complete = source_.completeUntil(); complete && *complete < end) {
      logger().information("org %s: the source's data is complete up to %s; windows stop there (the rest is read "
                           "once it is complete)", org_.name, formatIsoTime(*complete));
      end = std::max(start, *complete);
    }

    SweepWindows windows(start, end, Poco::Timespan(static_cast<long>(org_.sweepFirstWindowS()), 0), maxWindow,
                         org_.sweepPageSize());
    while (!windows.done() && !shutdown_.stopRequested()) {
      const Poco::Timestamp windowEnd = windows.windowEnd();
      TimeWindow window{formatIsoTime(windows.windowStart()), formatIsoTime(windowEnd), windows.mayStopEarly()};
      ++report.windows;
      const int exportedBefore = report.exported;
      WindowStop stop;
      {
        // Delivery runs alongside the export; the window is only judged once all of it settled.
        DeliveryQueue queue(sink_);
        try {
          stop = source_.fetch(window, [&](const std::vector<Poco::JSON::Object::Ptr>& page) {
            processPage(page, report, queue);
          });
        } catch (...) {
          addDelivery(report.delivery, queue.drain());
          submitted_.clear();
          throw;
        }
        addDelivery(report.delivery, queue.drain());
        submitted_.clear();
      }
      const int exported = report.exported - exportedBefore;
      // The checkpoint may move as far as the window was read (whole seconds, so not past it).
      window.end = formatIsoTime(windows.readUntil(stop));
      // A window that exported nothing delivered nothing, so the check below would answer as it
      // did for the window before: its checkpoint waits for the next window that exported
      // something, or the last one. (A quiet month would otherwise cost a commit and a pending
      // query per window; a shutdown before then only reads the quiet days again.)
      if (exported == 0 && windowEnd < end) {
        windows.next(exported, stop);
        continue;
      }
      // Only a window with nothing left pending may be checkpointed. A record the push path is
      // delivering right now does not hold it back: if that delivery leaves it pending, the next
      // cycle's settling pass finds it in the ledger, whatever the checkpoint.
      bool settled = nothingLeftPending();
      if (!settled) {
        sendUpdatesLeftByOutcomes(report);
        settled = nothingLeftPending();
      }
      if (settled) {
        ledger_.setCheckpoint(org_.orgId, org_.name, window.end);
      } else {
        report.ok = false;
        report.error = "org " + org_.name + ": some incidents could not be delivered yet (kept pending; retried next cycle)";
        if (const auto refused = sink_.accessRefused()) report.error += ": " + *refused;
        break;
      }
      windows.next(exported, stop);
    }
    if (shutdown_.stopRequested() && report.ok) {
      report.ok = false;
      report.error = "stopped before the export finished";
    }
  } catch (const Poco::Exception& e) {
    report.ok = false;
    report.error = e.message();
    logger().error("org %s: cycle failed: %s", org_.name, e.message());
  }
  report.checkpoint = ledger_.checkpoint(org_.orgId).value_or("");
  return report;
}

namespace {

Observation observe(const std::string& orgId, const std::string& orgName, const Mapping& mapping,
                    const Poco::JSON::Object::Ptr& evaluation) {
  Observation observation;
  observation.orgId = orgId;
  observation.orgName = orgName;
  const bool malformed = isMalformedEntry(evaluation);
  // The raw text is kept only for records that are delivered or dead-lettered (most are skipped).
  auto keepRaw = [&] {
    if (!observation.rawJson.empty()) return;
    if (malformed) {
      observation.rawJson = malformedRawText(evaluation);
    } else if (auto raw = projectedRawText(evaluation)) {
      observation.rawJson = std::move(*raw);  // the record as Genesys sent it; the object holds only a part
    } else {
      observation.rawJson = stringify(evaluation);
    }
  };
  Poco::Dynamic::Var id = !malformed && evaluation->has("id") ? evaluation->get("id") : Poco::Dynamic::Var();
  if (!isUsableEvaluationId(id)) {
    // Without an id the record cannot be keyed; keep it under its content hash so it is not lost.
    keepRaw();
    observation.evaluationId = "malformed-" + sha256Hex(observation.rawJson).substr(0, 16);
    observation.deadReason = malformed ? malformedReason(evaluation)
                                       : "evaluation has no usable \"id\" (a non-empty string)";
    return observation;
  }
  observation.evaluationId = id.toString();
  Poco::Dynamic::Var changed = evaluation->has("changedDate") ? evaluation->get("changedDate") : Poco::Dynamic::Var();
  if (!isUsableChangedDate(changed)) {
    keepRaw();
    observation.deadReason = "evaluation " + observation.evaluationId + ": \"changedDate\" is not a string";
    return observation;
  }
  // Parsed once here: the ledger keeps a skip's time as the Unix seconds (Observation::changedAt).
  std::string changedText = changed.isEmpty() ? std::string() : changed.toString();
  if (const auto at = parseIsoTime(changedText)) {
    observation.changedDate = formatIsoTime(*at);
    observation.changedAt = at->epochTime();
  } else {
    observation.changedDate = std::move(changedText);
  }
  if (auto reason = skipBeforeMapping(evaluation)) {
    observation.skipReason = *reason;
    return observation;
  }
  MappingResult result;
  if (auto skipCode = projectedSkipCode(evaluation)) {
    result.skipCode = std::move(*skipCode);  // the projection applied `when` already (most evaluations)
  } else {
    result = mapping.apply(evaluation, /*withSkipReason=*/false);  // the ledger keeps the code
  }
  if (!result.error.empty()) {
    keepRaw();
    observation.deadReason = "mapping " + mapping.name() + " failed: " + result.error;
    return observation;
  }
  observation.matched = result.matched;
  observation.followUpAfterClose = mapping.afterClose() == Mapping::AfterClose::FollowUp;
  if (result.matched) {
    keepRaw();
    observation.fieldsJson = fieldsToJson(result.fields);
  } else {
    // A skip needs no raw copy, and the ledger keeps the reason without the values, one text
    // per way of failing (`evalbridge map` shows the values).
    observation.skipReason = result.skipCode;
  }
  return observation;
}

}  // namespace

Observation observationOf(const std::string& orgId, const std::string& orgName, const Mapping& mapping,
                          const Poco::JSON::Object::Ptr& evaluation) {
  Observation observation = observe(orgId, orgName, mapping, evaluation);
  // A dead record keeps its raw text for `ledger show` and replay, but not without bound: one
  // hostile or broken answer must not grow the ledger by its whole size.
  if (!observation.deadReason.empty() && observation.rawJson.size() > kMaxDeadLetterBytes) {
    const std::size_t total = observation.rawJson.size();
    observation.rawJson.resize(kMaxDeadLetterBytes);
    observation.rawJson += "... [truncated: " + std::to_string(total) + " bytes in all]";
  }
  return observation;
}

void OrgSync::processPage(const std::vector<Poco::JSON::Object::Ptr>& results, OrgSyncReport& report,
                          DeliveryQueue& queue) {
  // What this sweep knows of the org's pending records (unsettled_, a fresh intent's "never
  // posted") is from before another replica may have held it.
  if (ledger_.leaseChangedDuringSweep(org_.orgId))
    throw LeaseLost("org " + org_.name + ": its lease changed during this sweep; the next sweep reads its windows "
                    "again, settling what is pending first");
  const std::vector<Poco::JSON::Object::Ptr> page = completer_.complete(results, report.fetched);
  std::vector<Observation> observations;
  observations.reserve(page.size());
  for (const auto& evaluation : page) {
    ++report.exported;
    observations.push_back(observationOf(org_.orgId, org_.name, mapping_, evaluation));
  }
  // Its skips wait for the window's checkpoint (or a full buffer): SkipBuffer.h says why.
  std::vector<Decision> decisions = ledger_.observe(observations, Ledger::SkipWrites::Buffered);
  std::vector<LedgerRecord> fresh;
  std::vector<LedgerRecord> unsettled;
  for (size_t i = 0; i < decisions.size(); ++i) {
    switch (decisions[i]) {
      case Decision::Create:
      case Decision::Update: {
        // The key is all the queue needs to deliver: the sink reads the record itself once it
        // holds the record's claim, as the ledger has it then. The changedDate times its pickup.
        LedgerRecord record;
        record.orgId = org_.orgId;
        record.evaluationId = observations[i].evaluationId;
        record.changedDate = observations[i].changedDate;
        if (!submitted_.insert(record.key()).second) {
          ++report.unchanged;  // already being delivered in this window
          break;
        }
        ++report.matched;
        (unsettled_.count(record.key()) ? unsettled : fresh).push_back(std::move(record));
        break;
      }
      case Decision::Skip: ++report.skipped; break;
      case Decision::Unchanged:
      case Decision::StillDead: ++report.unchanged; break;
      case Decision::Stale: ++report.stale; break;
      case Decision::Dead: ++report.malformed; break;
    }
  }
  // Intents recorded on this page were never posted: no lookup is needed before their first
  // POST (the sink still looks first for any record with failed attempts). Pending rows from an
  // earlier run that the settling pass could not settle are looked up first.
  queue.submit(fresh, false);
  queue.submit(unsettled, true);
}

// An outcome can leave its record pending as an update still to send: the evaluation changed while
// its create was out, or an incident found by correlation_id may hold an earlier content
// (Ledger::writeDelivered). Sent now, once, so the window is not held back a cycle for it. A record
// whose own attempts failed (attempts > 0) is not: it waits for the next cycle, as any other.
void OrgSync::sendUpdatesLeftByOutcomes(OrgSyncReport& report) {
  std::vector<LedgerRecord> updates;
  for (auto& record : ledger_.pending(org_.orgId))
    if (record.operation == Operation::Update && record.attempts == 0 && !sink_.inFlight(record.key()))
      updates.push_back(std::move(record));
  if (!updates.empty()) addDelivery(report.delivery, sink_.deliver(updates, false));
}

bool OrgSync::nothingLeftPending() const {
  for (const auto& key : ledger_.pendingKeys(org_.orgId))
    if (!sink_.inFlight(key)) return false;
  return true;
}

void OrgSync::deliverPending(OrgSyncReport& report) {
  std::vector<LedgerRecord> pending = ledger_.pending(org_.orgId);
  if (pending.empty()) return;
  addDelivery(report.delivery, sink_.deliver(pending, true));
  sendUpdatesLeftByOutcomes(report);
  for (const auto& key : ledger_.pendingKeys(org_.orgId)) unsettled_.insert(key);
}

}  // namespace evalbridge
