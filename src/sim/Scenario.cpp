#include "sim/Scenario.h"

#include <Poco/JSON/Array.h>

#include <set>

#include "common/Errors.h"
#include "sim/FaultInjector.h"
#include "sim/JsonText.h"
#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// Reads an object's keys into typed fields, remembering which keys it read, so finish() can
// reject the rest by name: a typo in a scenario file must fail, not silently use a default.
class StrictReader {
 public:
  StrictReader(Object::Ptr object, std::string path) : object_(std::move(object)), path_(std::move(path)) {
    if (!object_) fail("", "must be a JSON object");
  }

  void read(const std::string& key, std::string& target) {
    if (auto value = take(key)) {
      if (!value->isString()) fail(key, "must be a string");
      target = value->extract<std::string>();
    }
  }
  void read(const std::string& key, int& target) {
    if (auto value = take(key)) {
      if (!value->isInteger()) fail(key, "must be an integer");
      target = value->convert<int>();
    }
  }
  void read(const std::string& key, std::uint16_t& target) {
    int wide = target;
    read(key, wide);
    if (wide < 0 || wide > 65535) fail(key, "must be a port number (0-65535)");
    target = static_cast<std::uint16_t>(wide);
  }
  void read(const std::string& key, std::uint64_t& target) {
    if (auto value = take(key)) {
      if (!value->isInteger() || value->convert<Poco::Int64>() < 0) fail(key, "must be a non-negative integer");
      target = value->convert<std::uint64_t>();
    }
  }
  void read(const std::string& key, double& target) {
    if (auto value = take(key)) {
      if (!value->isNumeric()) fail(key, "must be a number");
      target = value->convert<double>();
    }
  }
  void read(const std::string& key, bool& target) {
    if (auto value = take(key)) {
      if (!value->isBoolean()) fail(key, "must be true or false");
      target = value->extract<bool>();
    }
  }
  void read(const std::string& key, std::set<std::string>& target) {
    if (auto value = take(key)) {
      if (value->type() != typeid(Array::Ptr)) fail(key, "must be an array of strings");
      target.clear();
      for (const auto& item : *value->extract<Array::Ptr>()) {
        if (!item.isString()) fail(key, "must be an array of strings");
        target.insert(item.extract<std::string>());
      }
    }
  }
  void read(const std::string& key, std::vector<std::string>& target) {
    if (auto value = take(key)) {
      if (value->type() != typeid(Array::Ptr)) fail(key, "must be an array of strings");
      target.clear();
      for (const auto& item : *value->extract<Array::Ptr>()) {
        if (!item.isString()) fail(key, "must be an array of strings");
        target.push_back(item.extract<std::string>());
      }
    }
  }
  Array::Ptr array(const std::string& key) {
    auto value = take(key);
    if (!value) return nullptr;
    if (value->type() != typeid(Array::Ptr)) fail(key, "must be an array");
    return value->extract<Array::Ptr>();
  }
  Object::Ptr object(const std::string& key) {
    auto value = take(key);
    if (!value) return nullptr;
    if (value->type() != typeid(Object::Ptr)) fail(key, "must be an object");
    return value->extract<Object::Ptr>();
  }
  std::string pathOf(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  void finish() const {
    for (const auto& [key, value] : *object_) {
      if (!read_.count(key)) fail(key, "unknown key");
    }
  }

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    const std::string where = key.empty() ? (path_.empty() ? std::string("scenario") : path_) : pathOf(key);
    throw evalbridge::ConfigError(where + ": " + problem);
  }

 private:
  std::optional<Poco::Dynamic::Var> take(const std::string& key) {
    read_.insert(key);
    if (!object_->has(key)) return std::nullopt;
    return object_->get(key);
  }

  Object::Ptr object_;
  std::string path_;
  std::set<std::string> read_;
};

OrgSpec orgFromJson(const Object::Ptr& json, const std::string& path) {
  OrgSpec org;
  StrictReader reader(json, path);
  reader.read("name", org.name);
  reader.read("orgId", org.orgId);
  reader.read("orgName", org.orgName);
  reader.read("clientId", org.clientId);
  reader.read("clientSecret", org.clientSecret);
  reader.read("permissions", org.permissions);
  reader.read("evaluationCount", org.evaluationCount);
  reader.read("firstEvaluation", org.firstEvaluation);
  reader.read("spacingSeconds", org.spacingSeconds);
  reader.read("failingShare", org.failingShare);
  reader.read("unfinishedShare", org.unfinishedShare);
  reader.read("tokenExpiresInS", org.tokenExpiresInS);
  reader.read("jobPollsUntilDone", org.jobPollsUntilDone);
  reader.read("pageSize", org.pageSize);
  reader.read("useDownloadUrl", org.useDownloadUrl);
  reader.read("exportApiAvailable", org.exportApiAvailable);
  reader.read("analyticsLagS", org.analyticsLagS);
  reader.read("dataTableColumns", org.dataTableColumns);
  reader.read("seed", org.seed);
  reader.read("heartbeatIntervalS", org.heartbeatIntervalS);
  reader.read("channelLifetimeS", org.channelLifetimeS);
  reader.finish();
  return org;
}

ServiceNowSpec serviceNowFromJson(const Object::Ptr& json) {
  ServiceNowSpec spec;
  StrictReader reader(json, "servicenow");
  reader.read("username", spec.username);
  reader.read("password", spec.password);
  reader.read("oauthClientId", spec.oauthClientId);
  reader.read("oauthClientSecret", spec.oauthClientSecret);
  reader.read("tablesReadable", spec.tablesReadable);
  reader.read("webhookUrl", spec.webhookUrl);
  reader.read("webhookSecret", spec.webhookSecret);
  reader.finish();
  return spec;
}

[[noreturn]] void invalid(const std::string& where, const std::string& problem) {
  throw evalbridge::ConfigError(where + ": " + problem);
}

}  // namespace

SimulatorOptions optionsFromJson(const Poco::JSON::Object::Ptr& json) {
  SimulatorOptions options;
  StrictReader reader(json, "");
  if (auto orgs = reader.array("orgs")) {
    options.orgs.clear();
    for (std::size_t i = 0; i < orgs->size(); ++i) {
      const std::string path = "orgs[" + std::to_string(i) + "]";
      if (orgs->get(i).type() != typeid(Object::Ptr)) invalid(path, "must be an object");
      options.orgs.push_back(orgFromJson(orgs->getObject(static_cast<unsigned>(i)), path));
    }
  }
  if (auto servicenow = reader.object("servicenow")) options.servicenow = serviceNowFromJson(servicenow);
  reader.read("controlPort", options.controlPort);
  reader.finish();
  validateOptions(options);
  return options;
}

void validateOptions(const SimulatorOptions& options) {
  if (options.orgs.empty()) invalid("orgs", "at least one org is needed");
  std::set<std::string> names;
  for (std::size_t i = 0; i < options.orgs.size(); ++i) {
    const OrgSpec& org = options.orgs[i];
    const std::string path = "orgs[" + std::to_string(i) + "]";
    if (org.name.empty()) invalid(path + ".name", "must not be empty");
    if (!names.insert(org.name).second) invalid(path + ".name", "duplicate org name '" + org.name + "'");
    if (org.name == "servicenow" || org.name == "download" || org.name == "control") {
      invalid(path + ".name", "'" + org.name + "' is reserved for a simulator server");
    }
    if (org.clientId.empty()) invalid(path + ".clientId", "must not be empty");
    if (org.evaluationCount < 0) invalid(path + ".evaluationCount", "must be >= 0");
    if (org.spacingSeconds < 0) invalid(path + ".spacingSeconds", "must be >= 0");
    if (!(org.failingShare >= 0.0 && org.failingShare <= 1.0)) invalid(path + ".failingShare", "must be in [0, 1]");
    if (!(org.unfinishedShare >= 0.0 && org.unfinishedShare <= 1.0)) {
      invalid(path + ".unfinishedShare", "must be in [0, 1]");
    }
    if (org.analyticsLagS < 0) invalid(path + ".analyticsLagS", "must be >= 0");
    std::set<std::string> columns;
    for (const auto& column : org.dataTableColumns) {
      // "key" is the row id column every table has; it is not listed here.
      if (column.empty() || column == "key") invalid(path + ".dataTableColumns", "'" + column + "' is not a column name");
      if (!columns.insert(column).second) invalid(path + ".dataTableColumns", "duplicate column '" + column + "'");
    }
    if (org.tokenExpiresInS <= 0) invalid(path + ".tokenExpiresInS", "must be > 0");
    if (org.jobPollsUntilDone < 0) invalid(path + ".jobPollsUntilDone", "must be >= 0");
    if (org.pageSize < 1) invalid(path + ".pageSize", "must be >= 1");
    if (org.heartbeatIntervalS < 0) invalid(path + ".heartbeatIntervalS", "must be >= 0 (0 = no heartbeats)");
    if (org.channelLifetimeS <= 0) invalid(path + ".channelLifetimeS", "must be > 0");
    if (!parseIso8601(org.firstEvaluation)) invalid(path + ".firstEvaluation", "must be an ISO 8601 date-time");
  }
  if (options.servicenow.username.empty()) invalid("servicenow.username", "must not be empty");
}

FaultRule faultRuleFromJson(const Poco::JSON::Object::Ptr& json) {
  FaultRule rule;
  StrictReader reader(json, "fault");
  reader.read("server", rule.server);
  reader.read("method", rule.method);
  reader.read("pathPrefix", rule.pathPrefix);
  reader.read("kind", rule.kind);
  reader.read("status", rule.status);
  reader.read("retryAfter", rule.retryAfter);
  reader.read("latencyMs", rule.latencyMs);
  reader.read("jobStatus", rule.jobStatus);
  reader.read("poison", rule.poison);
  reader.read("probability", rule.probability);
  reader.read("count", rule.count);
  reader.read("after", rule.after);
  reader.read("seed", rule.seed);
  reader.finish();
  if (rule.server.empty()) reader.fail("server", "is required");
  if (!FaultInjector::isKnownKind(rule.kind)) {
    reader.fail("kind", "must be status, reset, latency, ambiguous, jobStatus, badJson, poison or poisonBody");
  }
  return rule;
}

Poco::JSON::Object::Ptr toJson(const FaultRule& rule) {
  auto json = orderedObject();
  json->set("server", rule.server);
  json->set("method", rule.method);
  json->set("pathPrefix", rule.pathPrefix);
  json->set("kind", rule.kind);
  json->set("status", rule.status);
  json->set("retryAfter", rule.retryAfter);
  json->set("latencyMs", rule.latencyMs);
  json->set("jobStatus", rule.jobStatus);
  json->set("poison", rule.poison);
  json->set("probability", rule.probability);
  json->set("count", rule.count);
  json->set("after", rule.after);
  json->set("seed", rule.seed);
  return json;
}

Poco::JSON::Object::Ptr toJson(const RecordedRequest& request) {
  auto headers = orderedObject();
  for (const auto& [name, value] : request.headers) headers->set(name, value);
  auto json = orderedObject();
  json->set("seq", request.seq);
  json->set("time", request.time);
  json->set("server", request.server);
  json->set("method", request.method);
  json->set("path", request.path);
  json->set("query", request.query);
  json->set("headers", headers);
  json->set("body", request.body);
  json->set("status", request.status);
  json->set("responseContentType", request.responseContentType);
  json->set("responseBody", request.responseBody);
  return json;
}

}  // namespace evalbridge::sim
