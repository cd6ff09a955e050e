#include "servicenow/IncidentSink.h"

#include <optional>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include "common/Errors.h"
#include "http/RetryPolicy.h"
#include "http/ShutdownToken.h"
#include "ledger/IncidentStates.h"
#include "ledger/Ledger.h"
#include "ledger/OrgFence.h"
#include "http/RetryLoop.h"
#include "servicenow/DeliveryQueue.h"
#include "servicenow/ServiceNowClient.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.sink"); }

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

// The body of a 2xx Table API answer. An unreadable one is an uncertain outcome (the request may
// have been processed), hence TransientError: the caller looks up before posting again.
Poco::JSON::Object::Ptr answerOf(const HttpResponse& response) {
  try {
    return parseObject(response.body);
  } catch (const std::exception&) {
    throw TransientError("ServiceNow answered " + std::to_string(response.status) + " with a body that is not a JSON object");
  }
}

// The incident a 2xx answer names. Without its sys_id the ledger could not follow it (a later
// change would be posted as a new incident), so such an answer is uncertain as well: the caller
// looks up before posting again, and adopts the incident with its sys_id.
Incident namedIncident(const Poco::JSON::Object::Ptr& result, const std::string& answer) {
  Incident incident = incidentFromJson(result);
  if (incident.sysId.empty()) throw TransientError(answer + " without the incident's sys_id");
  return incident;
}

Poco::JSON::Object::Ptr resultOf(const HttpResponse& response, const std::string& answer) {
  auto result = answerOf(response)->getObject("result");
  if (!result) throw TransientError(answer + " without a result object");
  return result;
}

// The incident a create's answer names.
Incident incidentOf(const HttpResponse& response) {
  const std::string answer = "ServiceNow answered " + std::to_string(response.status);
  return namedIncident(resultOf(response, answer), answer);
}

// The incident a PATCH's answer names. The request's URL named the incident, so an answer that
// omits its sys_id (or number) still confirms that one: what it omits is kept as the ledger knows
// it. An answer naming another incident is not believed, and the PATCH, being idempotent, is sent
// again.
Incident patchedIncident(const HttpResponse& response, const IncidentRef& patched) {
  const std::string answer = "ServiceNow answered " + std::to_string(response.status);
  Incident incident = incidentFromJson(resultOf(response, answer));
  if (incident.sysId.empty()) incident.sysId = patched.sysId;
  if (incident.sysId != patched.sysId)
    throw TransientError(answer + " naming incident sys_id " + incident.sysId + " to a PATCH of " + patched.sysId);
  if (incident.number.empty()) incident.number = patched.number;
  return incident;
}

IncidentRef refOf(const Incident& incident) {
  return IncidentRef{incident.sysId, incident.number, incident.state, incident.updatedOn,
                     incident.modCount ? std::optional<std::int64_t>(*incident.modCount) : std::nullopt};
}

bool isPermanentStatus(int status) { return status >= 400 && status < 500 && !isTransientStatus(status); }

// A 401 (after ServiceNowClient's one token renewal) refuses evalbridge, not the record: thrown for
// deliverOne, which holds every delivery (AccessRefusal) instead of dead-lettering this record.
void refuseOn401(const HttpResponse& response, const ServiceNowSettings& settings, const std::string& request) {
  if (response.status != 401) return;
  throw AccessRefused(request + " answered " + describeServiceNowError(response) + ": ServiceNow refused " +
                      credentialsHolder(settings) + "; " + credentialsFix(settings));
}

bool isSuccess(int status) { return status == 200 || status == 201; }

std::string fieldText(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  return object && object->has(key) ? object->get(key).toString() : std::string();
}

// Why a record cannot be sent at all: its mapped fields are missing or unreadable.
std::optional<std::string> unusableFields(const LedgerRecord& record, Poco::JSON::Object::Ptr& fields) {
  if (record.fieldsJson.empty()) {
    return "no mapped fields to send: the record was never mapped (" +
           (record.lastError.empty() ? std::string("malformed evaluation or mapping error") : record.lastError) +
           "). Fix the mapping (or the data), then `evalbridge ledger replay " + record.key() +
           "`: replay maps the raw record again with the org's current mapping";
  }
  try {
    fields = parseObject(record.fieldsJson);
    return std::nullopt;
  } catch (const std::exception& e) {
    return "the ledger's mapped fields are not a JSON object (" + errorText(e) +
           "); `evalbridge ledger replay " + record.key() + "` maps the raw record again";
  }
}

AttemptHooks hooksFor(Ledger& ledger, const LedgerRecord& record, std::atomic<int>& retries, LeaseToken lease) {
  AttemptHooks hooks;
  hooks.onFailure = [&ledger, &record, &retries, lease](int, const std::string& failure) {
    ++retries;
    ledger.markAttemptFailed(record.orgId, record.evaluationId, failure, lease);
  };
  hooks.onRetry = [&record](int attempt, const std::string& failure, std::chrono::milliseconds delay) {
    logger().information("%s: attempt %d failed (%s); retrying in %d ms", record.key(), attempt, failure,
                         static_cast<int>(delay.count()));
  };
  return hooks;
}

// What this delivery's own request carried: the record as it was read under the claim.
SentContent sentBy(const LedgerRecord& record) {
  return {record.operation == Operation::Update ? Operation::Update : Operation::Create, record.correlationId,
          record.contentHash, record.fieldsJson};
}

// What an incident found by correlation_id holds. A record whose content changed after an earlier
// intent (previousFieldsJson, kept by kEarlierIntentKept in Ledger.cpp) may have had that intent's
// POST land: the incident may hold those fields, so the outcome is an update to the current ones
// (its hash is unknown, so it never equals the record's). Otherwise the found incident holds what
// the record has.
SentContent adoptedContent(const LedgerRecord& record) {
  if (record.previousFieldsJson.empty()) return sentBy(record);
  return {Operation::Create, record.correlationId, "", record.previousFieldsJson};
}

}  // namespace

void addDelivery(DeliveryCounts& total, const DeliveryCounts& more) {
  total.created += more.created;
  total.updated += more.updated;
  total.adopted += more.adopted;
  total.dead += more.dead;
  total.retries += more.retries;
  total.leftPending += more.leftPending;
  total.elsewhere += more.elsewhere;
  total.pickupSeconds.insert(total.pickupSeconds.end(), more.pickupSeconds.begin(), more.pickupSeconds.end());
}

std::string describeChange(const LedgerRecord& record) {
  std::string note = "evalbridge: the evaluation changed in Genesys Cloud";
  if (!record.changedDate.empty()) note += " (changedDate " + record.changedDate + ")";
  Poco::JSON::Object::Ptr now;
  Poco::JSON::Object::Ptr before;
  try {
    now = parseObject(record.fieldsJson.empty() ? "{}" : record.fieldsJson);
    before = parseObject(record.previousFieldsJson.empty() ? "{}" : record.previousFieldsJson);
  } catch (const Poco::Exception&) {
    return note + ".";
  }
  if (now->size() == 0) {
    return note + " and no longer matches the mapping (" + record.skipReason +
           "). The incident is left open for a person to decide.";
  }
  if (before->size() == 0) {
    // No earlier fields to compare with: an incident adopted after a request whose answer was
    // lost, when that request's fields are unknown (kEarlierIntentKept's '{}' in Ledger.cpp). Each
    // field would read as changed from "", so the note lists the current fields instead.
    std::string set;
    for (const auto& [key, value] : *now) set += "\n- " + key + ": \"" + value.toString() + "\"";
    return "evalbridge: an earlier request for this evaluation may have written this incident, and what it wrote is "
           "not known (its answer was lost). The evaluation's current mapped fields:" + set;
  }
  std::string changes;
  for (const auto& [key, value] : *now) {
    std::string was = fieldText(before, key);
    std::string is = value.toString();
    if (was != is) changes += "\n- " + key + ": \"" + was + "\" -> \"" + is + "\"";
  }
  return note + (changes.empty() ? "; the mapped fields are unchanged." : ". Changed fields:" + changes);
}

void countOutcome(DeliveryCounts& counts, DeliveryOutcome outcome) {
  switch (outcome) {
    case DeliveryOutcome::Created: ++counts.created; break;
    case DeliveryOutcome::Updated: ++counts.updated; break;
    case DeliveryOutcome::Adopted: ++counts.adopted; break;
    case DeliveryOutcome::Dead: ++counts.dead; break;
    case DeliveryOutcome::LeftPending: ++counts.leftPending; break;
    case DeliveryOutcome::Elsewhere: ++counts.elsewhere; break;
  }
}

IncidentSink::IncidentSink(ServiceNowClient& client, Ledger& ledger, ShutdownToken& shutdown)
    : client_(client),
      ledger_(ledger),
      shutdown_(shutdown),
      // As many as the permits: a worker never waits for the ledger's writer (its record is read
      // through the ledger's second connection, its outcome is posted, not waited for; the push
      // path has its own threads), so one more worker per permit only waited for a permit, and
      // each request's end woke one of them (measured at 32 x 2 ms: 12% less CPU per incident).
      workers_(maxConcurrency()) {}

IncidentSink::FlushOutcomesAtEnd::~FlushOutcomesAtEnd() { ledger.flushOutcomes(); }

void IncidentSink::flushOutcomes() { ledger_.flushOutcomes(); }

void IncidentSink::rememberUnrecorded(const std::string& key) {
  std::lock_guard<std::mutex> lock(unrecordedMutex_);
  unrecorded_.insert(key);
}

void IncidentSink::forgetUnrecorded(const std::string& key) {
  std::lock_guard<std::mutex> lock(unrecordedMutex_);
  unrecorded_.erase(key);
}

bool IncidentSink::mayBePosted(const std::string& key) const {
  std::lock_guard<std::mutex> lock(unrecordedMutex_);
  return unrecorded_.count(key) > 0;
}

void IncidentSink::recordDelivered(const LedgerRecord& record, const IncidentRef& incident, const SentContent& sent,
                                   const Settle& settle, const std::string& done) {
  const std::string key = record.key();
  if (settle.commit == OutcomeCommit::Wait) {
    try {
      ledger_.markDelivered(record.orgId, record.evaluationId, incident, sent, settle.lease);
    } catch (...) {
      rememberUnrecorded(key);
      throw;
    }
    forgetUnrecorded(key);
    logger().information("%s: %s", key, done);
    return;
  }
  // The claim travels with the write: the record is not delivered again before the ledger says
  // where its incident is (a second delivery would find it pending and post).
  // What was done is logged once it is recorded, as when the worker waits (a paused replica that
  // wakes without its lease reports no creation: the fence refuses the outcome).
  auto committed = [this, key, done, number = incident.number, claim = settle.claim,
                    unrecorded = settle.unrecorded](std::exception_ptr error) {
    if (!error) {
      forgetUnrecorded(key);
      logger().information("%s: %s", key, done);
      return;
    }
    rememberUnrecorded(key);
    if (unrecorded) *unrecorded = true;
    std::string why = "unknown error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {  // LeaseLost and the ledger's errors among them
      why = errorText(e);
    } catch (...) {
    }
    logger().error("%s: incident %s was not recorded in the ledger (%s); the record stays pending and is looked up "
                   "by correlation_id before any new POST",
                   key, number, why);
  };
  try {
    ledger_.markDeliveredLater(record.orgId, record.evaluationId, incident, sent, std::move(committed), settle.lease);
  } catch (...) {
    rememberUnrecorded(key);
    throw;
  }
}

int IncidentSink::maxConcurrency() const { return std::max(1, client_.settings().maxConcurrency); }

DeliveryCounts IncidentSink::deliver(const std::vector<LedgerRecord>& records, bool verifyFirst) {
  if (records.empty()) return {};
  DeliveryQueue queue(*this);
  queue.submit(records, verifyFirst);
  return queue.drain();
}

DeliveryOutcome IncidentSink::deliverOne(const LedgerRecord& queued, bool verifyFirst, std::atomic<int>& retries,
                                         OutcomeCommit commit, UnrecordedFlag unrecorded) {
  // Held: ServiceNow refused evalbridge's credentials a moment ago, and would again.
  if (refusal_.holding()) return DeliveryOutcome::LeftPending;
  auto claim = claims_.tryClaim(queued.key());
  if (!claim) return DeliveryOutcome::Elsewhere;
  // The lease first, then the record: the record as read is what this lease's holder sees.
  const Settle settle{commit, std::make_shared<DeliveryClaims::Claim>(std::move(*claim)), std::move(unrecorded),
                      ledger_.currentLease(queued.orgId)};
  // As the ledger has it now: a delivery that held the claim before may have settled it, and a
  // rescore may have changed what is to be sent.
  const std::optional<LedgerRecord> current = ledger_.findPending(queued.orgId, queued.evaluationId);
  if (!current) return DeliveryOutcome::Elsewhere;
  const LedgerRecord& record = *current;
  try {
    if (record.operation == Operation::Update) return update(record, retries, settle);
    return create(record, verifyFirst, retries, settle);
  } catch (const LeaseLost& e) {
    // Another replica holds the org now: the record stays pending for it (it looks the
    // correlation_id up before posting, as for any record it did not put in the ledger itself).
    logger().warning("%s: not delivered here: %s", record.key(), e.message());
    return DeliveryOutcome::LeftPending;
  } catch (const AccessRefused& e) {
    // Not this record's fault: it stays pending, untouched, and is sent once ServiceNow accepts
    // the bridge again. A 401 is answered before processing, so nothing was created.
    if (refusal_.refused(e.message()))
      logger().error("ServiceNow deliveries held for %d s (records stay pending): %s",
                     static_cast<int>(kAccessRefusalHold.count()), e.message());
    return DeliveryOutcome::LeftPending;
  } catch (const PermanentError& e) {
    // e.g. a correlation_id or sys_id that must not enter a query: no request can fix it.
    ledger_.markDead(record.orgId, record.evaluationId, e.message(), settle.lease);
    logger().error("%s: %s", record.key(), e.message());
    return DeliveryOutcome::Dead;
  }
}

struct IncidentSink::Lookup {
  std::optional<DeliveryOutcome> settled;  // Adopted or Dead
  bool none = false;                       // no incident carries the key: safe to post
  AttemptVerdict verdict;                  // when neither: a transient failure
};

IncidentSink::Lookup IncidentSink::lookUp(const LedgerRecord& record, const Settle& settle) {
  Lookup lookup;
  HttpResponse found = client_.findByCorrelation(record.correlationId);
  refuseOn401(found, client_.settings(), "looking up correlation_id");
  if (found.status == 200) {
    auto result = answerOf(found)->getArray("result");
    if (!result) throw TransientError("lookup: ServiceNow answered 200 without a result array");
    const size_t matches = result->size();
    if (matches == 0) {
      lookup.none = true;
    } else if (matches == 1) {
      Incident incident = namedIncident(result->getObject(0), "lookup: ServiceNow answered 200");
      const SentContent held = adoptedContent(record);
      recordDelivered(record, refOf(incident), held, settle,
                      "adopted existing incident " + incident.number + " (found by correlation_id)" +
                          (held.contentHash.empty() ? "; it may hold an earlier content, an update follows" : ""));
      lookup.settled = DeliveryOutcome::Adopted;
    } else {
      std::string numbers;
      for (size_t i = 0; i < matches; ++i)
        numbers += (i ? ", " : "") + incidentFromJson(result->getObject(static_cast<unsigned>(i))).number;
      const std::string reason = "more than one incident carries correlation_id " + record.correlationId + " (" +
                                 numbers + "); merge them by hand in ServiceNow, then `evalbridge ledger replay " +
                                 record.key() + "`";
      ledger_.markDead(record.orgId, record.evaluationId, reason, settle.lease);
      logger().error("%s: %s", record.key(), reason);
      lookup.settled = DeliveryOutcome::Dead;
    }
  } else if (isPermanentStatus(found.status)) {
    ledger_.markDead(record.orgId, record.evaluationId,
                     "looking up correlation_id failed: " + describeServiceNowError(found), settle.lease);
    lookup.settled = DeliveryOutcome::Dead;
  } else {
    lookup.verdict = AttemptVerdict::retry("lookup: " + describeServiceNowError(found),
                                           parseRetryAfter(found.header("Retry-After")));
  }
  return lookup;
}

DeliveryOutcome IncidentSink::create(const LedgerRecord& record, bool verifyFirst, std::atomic<int>& retries,
                                     const Settle& settle) {
  Poco::JSON::Object::Ptr fields;
  if (auto why = unusableFields(record, fields)) {
    ledger_.markDead(record.orgId, record.evaluationId, *why, settle.lease);
    return DeliveryOutcome::Dead;
  }
  // The bridge's own correlation fields always win over anything mapped (SPEC section 4).
  fields->set("correlation_id", record.correlationId);
  fields->set("correlation_display", "evalbridge");

  DeliveryOutcome outcome = DeliveryOutcome::LeftPending;
  // An earlier intent's fields mean an earlier POST may have landed (kEarlierIntentKept in
  // Ledger.cpp); so does a lease change since the org's sweep began (another replica may have
  // posted it).
  bool lookupFirst = verifyFirst || record.attempts > 0 || !record.previousFieldsJson.empty() ||
                     mayBePosted(record.key()) || ledger_.leaseChangedDuringSweep(record.orgId);
  auto attempt = [&](int) -> AttemptVerdict {
    if (lookupFirst) {
      Lookup lookup = lookUp(record, settle);
      if (lookup.settled) {
        outcome = *lookup.settled;
        return AttemptVerdict::done();
      }
      if (!lookup.none) return lookup.verdict;
      lookupFirst = false;
    }
    // Until an answer proves otherwise, the POST may have landed: a timeout or reset (thrown as
    // TransientError) leaves lookupFirst set, so the next attempt looks before posting again.
    lookupFirst = true;
    // Replicas: only the org's lease holder may post. Checked once the request holds its permit,
    // just before it is written, so a wait for the permit cannot outlast the lease unnoticed.
    HttpResponse response = client_.create(*fields, [&] { ledger_.checkFence(record.orgId, settle.lease); });
    refuseOn401(response, client_.settings(), "create");
    if (isSuccess(response.status)) {
      Incident incident = incidentOf(response);
      recordDelivered(record, refOf(incident), sentBy(record), settle, "created incident " + incident.number);
      outcome = DeliveryOutcome::Created;
      return AttemptVerdict::done();
    }
    const std::string error = describeServiceNowError(response);
    if (isPermanentStatus(response.status)) {
      ledger_.markDead(record.orgId, record.evaluationId, "create failed: " + error, settle.lease);
      logger().error("%s: create failed permanently: %s", record.key(), error);
      outcome = DeliveryOutcome::Dead;
      return AttemptVerdict::done();
    }
    // 429 is refused before processing; any other status may have created the incident.
    lookupFirst = response.status != 429;
    return AttemptVerdict::retry(error, parseRetryAfter(response.header("Retry-After")));
  };
  const AttemptHooks hooks = hooksFor(ledger_, record, retries, settle.lease);
  if (runAttempts(client_.settings().retry, shutdown_, attempt, hooks).end == LoopEnd::OutOfBudget)
    logger().warning("%s: still undelivered after the retry budget; kept pending for the next cycle", record.key());
  return outcome;
}

DeliveryOutcome IncidentSink::update(const LedgerRecord& record, std::atomic<int>& retries, const Settle& settle) {
  Poco::JSON::Object::Ptr fields = new Poco::JSON::Object;
  if (!record.fieldsJson.empty()) {
    if (auto why = unusableFields(record, fields)) {
      ledger_.markDead(record.orgId, record.evaluationId, *why, settle.lease);
      return DeliveryOutcome::Dead;
    }
  }
  fields->remove("correlation_id");
  fields->remove("correlation_display");
  if (isFinalIncidentState(record.incident.state)) {
    // Resolved, closed or canceled in ServiceNow: a person finished it, so a rescore never
    // reopens it or rewrites its fields; it only leaves a work note.
    fields = new Poco::JSON::Object;
    fields->set("work_notes", describeChange(record) + "\nThe incident is " + incidentStateName(record.incident.state) +
                                  ": evalbridge left its fields and state as they are.");
  } else {
    fields->set("work_notes", describeChange(record));
  }

  DeliveryOutcome outcome = DeliveryOutcome::LeftPending;
  auto attempt = [&](int) -> AttemptVerdict {
    // A PATCH of the same fields is idempotent, so it is simply sent again after any failure
    // (a repeated work note is the worst case).
    HttpResponse response =
        client_.patch(record.incident.sysId, *fields, [&] { ledger_.checkFence(record.orgId, settle.lease); });
    refuseOn401(response, client_.settings(), "update of " + record.incident.number);
    if (response.status == 200) {
      Incident incident = patchedIncident(response, record.incident);
      recordDelivered(record, refOf(incident), sentBy(record), settle, "updated incident " + record.incident.number);
      outcome = DeliveryOutcome::Updated;
      return AttemptVerdict::done();
    }
    const std::string error = describeServiceNowError(response);
    if (isPermanentStatus(response.status)) {
      ledger_.markDead(record.orgId, record.evaluationId, "update of " + record.incident.number + " failed: " + error,
                       settle.lease);
      outcome = DeliveryOutcome::Dead;
      return AttemptVerdict::done();
    }
    return AttemptVerdict::retry(error, parseRetryAfter(response.header("Retry-After")));
  };
  runAttempts(client_.settings().retry, shutdown_, attempt, hooksFor(ledger_, record, retries, settle.lease));
  return outcome;
}

}  // namespace evalbridge
