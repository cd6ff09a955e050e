#include "servicenow/IncidentSink.h"

#include <chrono>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include "common/Errors.h"
#include "http/RetryPolicy.h"
#include "http/ShutdownToken.h"
#include "ledger/Ledger.h"
#include "servicenow/ServiceNowClient.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.sink"); }

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

// Reads the incident out of a 200/201 Table API response.
Incident incidentOf(const HttpResponse& response) {
  auto body = parseObject(response.body);
  auto result = body->getObject("result");
  if (!result) throw TransientError("ServiceNow answered " + std::to_string(response.status) + " without a result object");
  return incidentFromJson(result);
}

IncidentRef refOf(const Incident& incident) {
  return IncidentRef{incident.sysId, incident.number, incident.state, incident.updatedOn,
                     incident.modCount ? std::optional<std::int64_t>(*incident.modCount) : std::nullopt};
}

bool isPermanentStatus(int status) { return status >= 400 && status < 500 && !isTransientStatus(status); }

std::string fieldText(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  return object && object->has(key) ? object->get(key).toString() : std::string();
}

}  // namespace

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
  std::string changes;
  for (const auto& [key, value] : *now) {
    std::string was = fieldText(before, key);
    std::string is = value.toString();
    if (was != is) changes += "\n- " + key + ": \"" + was + "\" -> \"" + is + "\"";
  }
  return note + (changes.empty() ? "; the mapped fields are unchanged." : ". Changed fields:" + changes);
}

IncidentSink::IncidentSink(ServiceNowClient& client, Ledger& ledger, ShutdownToken& shutdown)
    : client_(client), ledger_(ledger), shutdown_(shutdown) {}

DeliveryCounts IncidentSink::deliver(const std::vector<LedgerRecord>& records, bool verifyFirst) {
  DeliveryCounts counts;
  if (records.empty()) return counts;
  std::atomic<size_t> next{0};
  std::atomic<int> created{0}, updated{0}, adopted{0}, dead{0}, left{0}, retries{0};
  auto worker = [&] {
    for (size_t i = next++; i < records.size(); i = next++) {
      Outcome outcome;
      try {
        outcome = deliverOne(records[i], verifyFirst, retries);
      } catch (const Poco::Exception& e) {
        // Anything unexpected (e.g. the ledger itself failing) leaves the record pending.
        logger().error("%s: delivery stopped: %s", records[i].key(), e.displayText());
        outcome = Outcome::LeftPending;
      }
      switch (outcome) {
        case Outcome::Created: ++created; break;
        case Outcome::Updated: ++updated; break;
        case Outcome::Adopted: ++adopted; break;
        case Outcome::Dead: ++dead; break;
        case Outcome::LeftPending: ++left; break;
      }
    }
  };
  const int threads = std::max(1, std::min<int>(client_.settings().maxConcurrency, static_cast<int>(records.size())));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& thread : pool) thread.join();
  counts.created = created;
  counts.updated = updated;
  counts.adopted = adopted;
  counts.dead = dead;
  counts.leftPending = left;
  counts.retries = retries;
  return counts;
}

IncidentSink::Outcome IncidentSink::deliverOne(const LedgerRecord& record, bool verifyFirst, std::atomic<int>& retries) {
  if (record.operation == Operation::Update) return update(record, retries);
  return create(record, verifyFirst, retries);
}

IncidentSink::Outcome IncidentSink::create(const LedgerRecord& record, bool verifyFirst, std::atomic<int>& retries) {
  Poco::JSON::Object::Ptr fields;
  try {
    fields = parseObject(record.fieldsJson);
  } catch (const Poco::Exception& e) {
    ledger_.markDead(record.orgId, record.evaluationId, "the ledger's mapped fields are not valid JSON: " + e.message());
    return Outcome::Dead;
  }
  // The bridge's own correlation fields always win over anything mapped (SPEC section 4).
  fields->set("correlation_id", record.correlationId);
  fields->set("correlation_display", "evalbridge");

  Backoff backoff(client_.settings().retry);
  const auto started = std::chrono::steady_clock::now();
  bool lookupFirst = verifyFirst || record.attempts > 0;
  std::string lastError;
  for (int attempt = 1;; ++attempt) {
    std::optional<std::chrono::milliseconds> retryAfter;
    try {
      if (lookupFirst) {
        HttpResponse found = client_.findByCorrelation(record.correlationId);
        if (found.status == 200) {
          auto result = parseObject(found.body)->getArray("result");
          size_t matches = result ? result->size() : 0;
          if (matches == 1) {
            Incident incident = incidentFromJson(result->getObject(0));
            ledger_.markDelivered(record.orgId, record.evaluationId, refOf(incident));
            logger().information("%s: adopted existing incident %s (found by correlation_id)", record.key(),
                                 incident.number);
            return Outcome::Adopted;
          }
          if (matches > 1) {
            std::string numbers;
            for (size_t i = 0; i < matches; ++i)
              numbers += (i ? ", " : "") + incidentFromJson(result->getObject(static_cast<unsigned>(i))).number;
            ledger_.markDead(record.orgId, record.evaluationId,
                             std::to_string(matches) + " incidents carry correlation_id " + record.correlationId +
                                 " (" + numbers + "); merge them by hand, then `evalbridge ledger replay " +
                                 record.key() + "`");
            return Outcome::Dead;
          }
          lookupFirst = false;  // none found: safe to post
        } else if (isPermanentStatus(found.status)) {
          ledger_.markDead(record.orgId, record.evaluationId,
                           "looking up correlation_id failed: " + describeServiceNowError(found));
          return Outcome::Dead;
        } else {
          lastError = "lookup: " + describeServiceNowError(found);
          retryAfter = parseRetryAfter(found.header("Retry-After"));
        }
      }
      if (!lookupFirst) {
        HttpResponse response = client_.create(*fields);
        if (response.status == 201 || response.status == 200) {
          Incident incident = incidentOf(response);
          ledger_.markDelivered(record.orgId, record.evaluationId, refOf(incident));
          logger().information("%s: created incident %s", record.key(), incident.number);
          return Outcome::Created;
        }
        lastError = describeServiceNowError(response);
        if (isPermanentStatus(response.status)) {
          ledger_.markDead(record.orgId, record.evaluationId, "create failed: " + lastError);
          logger().error("%s: create failed permanently: %s", record.key(), lastError);
          return Outcome::Dead;
        }
        retryAfter = parseRetryAfter(response.header("Retry-After"));
        // 429 was refused before processing; any other transient status may have created it.
        lookupFirst = response.status != 429;
      }
    } catch (const TransientError& e) {
      lastError = e.message();
      lookupFirst = true;  // the request may have landed: look before posting again
    }
    ++retries;
    ledger_.markAttemptFailed(record.orgId, record.evaluationId, lastError);
    const auto& retry = client_.settings().retry;
    auto elapsed = std::chrono::steady_clock::now() - started;
    if (attempt >= retry.maxAttempts || elapsed >= std::chrono::seconds(retry.maxElapsedS)) {
      logger().warning("%s: still undelivered after %d attempts (%s); kept pending for the next cycle", record.key(),
                       attempt, lastError);
      return Outcome::LeftPending;
    }
    auto delay = backoff.delay(attempt, retryAfter);
    logger().information("%s: attempt %d failed (%s); retrying in %d ms", record.key(), attempt, lastError,
                         static_cast<int>(delay.count()));
    if (!shutdown_.sleepFor(delay)) return Outcome::LeftPending;
  }
}

IncidentSink::Outcome IncidentSink::update(const LedgerRecord& record, std::atomic<int>& retries) {
  Poco::JSON::Object::Ptr fields;
  try {
    fields = parseObject(record.fieldsJson.empty() ? "{}" : record.fieldsJson);
  } catch (const Poco::Exception& e) {
    ledger_.markDead(record.orgId, record.evaluationId, "the ledger's mapped fields are not valid JSON: " + e.message());
    return Outcome::Dead;
  }
  fields->remove("correlation_id");
  fields->remove("correlation_display");
  fields->set("work_notes", describeChange(record));

  Backoff backoff(client_.settings().retry);
  const auto started = std::chrono::steady_clock::now();
  std::string lastError;
  for (int attempt = 1;; ++attempt) {
    std::optional<std::chrono::milliseconds> retryAfter;
    try {
      // PATCH of the same fields is idempotent, so it is simply sent again after any failure.
      HttpResponse response = client_.patch(record.incident.sysId, *fields);
      if (response.status == 200) {
        Incident incident = incidentOf(response);
        if (incident.sysId.empty()) incident.sysId = record.incident.sysId;
        ledger_.markDelivered(record.orgId, record.evaluationId, refOf(incident));
        logger().information("%s: updated incident %s", record.key(), record.incident.number);
        return Outcome::Updated;
      }
      lastError = describeServiceNowError(response);
      if (isPermanentStatus(response.status)) {
        ledger_.markDead(record.orgId, record.evaluationId,
                         "update of " + record.incident.number + " failed: " + lastError);
        return Outcome::Dead;
      }
      retryAfter = parseRetryAfter(response.header("Retry-After"));
    } catch (const TransientError& e) {
      lastError = e.message();
    }
    ++retries;
    ledger_.markAttemptFailed(record.orgId, record.evaluationId, lastError);
    const auto& retry = client_.settings().retry;
    auto elapsed = std::chrono::steady_clock::now() - started;
    if (attempt >= retry.maxAttempts || elapsed >= std::chrono::seconds(retry.maxElapsedS)) return Outcome::LeftPending;
    if (!shutdown_.sleepFor(backoff.delay(attempt, retryAfter))) return Outcome::LeftPending;
  }
}

}  // namespace evalbridge
