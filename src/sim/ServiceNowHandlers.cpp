#include "sim/ServiceNowHandlers.h"

#include <Poco/MD5Engine.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "sim/EncodedQuery.h"
#include "sim/ErrorBodies.h"
#include "sim/JsonText.h"

namespace evalbridge::sim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

const std::set<std::string> kReferenceFields = {"assignment_group", "caller_id", "assigned_to", "opened_by"};

// A reference field is stored as given (a sys_id or, with sysparm_input_display_value, a display
// name); on the wire it is {"link","value"} with a sys_id, derived from the name when needed.
Poco::Dynamic::Var renderField(const std::string& name, const std::string& value, const std::string& baseUrl,
                               bool referenceLinks) {
  if (!kReferenceFields.count(name) || value.empty()) return value;
  std::string sysId = value;
  const bool looksLikeSysId = value.size() == 32 && std::all_of(value.begin(), value.end(), [](char c) {
                                return std::isxdigit(static_cast<unsigned char>(c));
                              });
  if (!looksLikeSysId) {
    Poco::MD5Engine md5;
    md5.update(name + ":" + value);
    sysId = Poco::DigestEngine::digestToHex(md5.digest());
  }
  if (!referenceLinks) return sysId;
  const std::string table = name == "assignment_group" ? "sys_user_group" : "sys_user";
  auto reference = orderedObject();
  reference->set("link", baseUrl + "/api/now/table/" + table + "/" + sysId);
  reference->set("value", sysId);
  return reference;
}

Object::Ptr renderRecord(const ServiceNowRecord& record, const std::vector<std::string>& onlyFields,
                         const std::string& baseUrl, bool referenceLinks) {
  auto object = orderedObject();
  auto put = [&](const std::string& name) {
    auto it = record.fields.find(name);
    object->set(name, renderField(name, it == record.fields.end() ? "" : it->second, baseUrl, referenceLinks));
  };
  if (onlyFields.empty()) {
    for (const auto& entry : record.fields) put(entry.first);
  } else {
    for (const auto& name : onlyFields) put(name);
  }
  return object;
}

std::vector<std::string> requestedFields(const Exchange& exchange) {
  std::vector<std::string> fields;
  const std::string list = exchange.queryParam("sysparm_fields").value_or("");
  Poco::StringTokenizer tokens(list, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  fields.assign(tokens.begin(), tokens.end());
  return fields;
}

bool referenceLinks(const Exchange& exchange) {
  return exchange.queryParam("sysparm_exclude_reference_link").value_or("false") != "true";
}

int nonNegativeParam(const Exchange& exchange, const std::string& name, int fallback) {
  const auto text = exchange.queryParam(name);
  if (!text || text->empty()) return fallback;
  int value = 0;
  if (!Poco::NumberParser::tryParse(*text, value) || value < 0) {
    throw Poco::InvalidArgumentException(name + ": not a non-negative integer: '" + *text + "'");
  }
  return value;
}

Object::Ptr resultOf(const Poco::Dynamic::Var& result) {
  auto answer = orderedObject();
  answer->set("result", result);
  return answer;
}

}  // namespace

void ServiceNowTokenHandler::serve(Exchange& exchange) {
  Poco::Net::HTMLForm form;
  std::istringstream body(exchange.body);
  std::map<std::string, std::string> fields;
  try {
    form.read(body);
    for (const auto& [name, value] : form) fields[name] = value;
  } catch (const Poco::Exception&) {
    // an unreadable form has no valid credentials; answered below
  }
  // Clients may send their client id/secret as Basic auth instead of form fields.
  const std::string authorization = exchange.header("authorization");
  if (authorization.size() > 6 && Poco::icompare(authorization.substr(0, 6), "Basic ") == 0) {
    try {
      Poco::Net::HTTPBasicCredentials credentials(authorization.substr(6));
      fields.emplace("client_id", credentials.getUsername());
      fields.emplace("client_secret", credentials.getPassword());
    } catch (const Poco::Exception&) {
    }
  }
  const auto token = instance_.auth.issueToken(fields);
  if (!token) {
    auto denied = orderedObject();
    denied->set("error_description", "access_denied");
    denied->set("error", "server_error");
    exchange.reply(401, denied);
    return;
  }
  auto answer = orderedObject();
  answer->set("access_token", token->token);
  answer->set("scope", "useraccount");
  answer->set("token_type", "Bearer");
  answer->set("expires_in", token->expiresInS);
  exchange.reply(200, answer);
}

void ServiceNowTableHandler::serve(Exchange& exchange) {
  const auto actor = instance_.auth.authenticate(exchange.header("authorization"));
  if (!actor) {
    exchange.reply(401, serviceNowError("User Not Authenticated", "Required to provide Auth information"));
    return;
  }
  const std::string table = exchange.pathParam("table");
  if (!instance_.spec.tablesReadable.count(table)) {
    exchange.reply(403,
                   serviceNowError("Operation Failed", "ACL Exception Insert/Read Failed due to security constraints"));
    return;
  }
  serveTable(exchange, table, *actor);
}

void TableQueryHandler::serveTable(Exchange& exchange, const std::string& table, const std::string&) {
  const EncodedQuery query = EncodedQuery::parse(exchange.queryParam("sysparm_query").value_or(""));
  const int limit = nonNegativeParam(exchange, "sysparm_limit", 10000);
  const int offset = nonNegativeParam(exchange, "sysparm_offset", 0);
  std::vector<ServiceNowRecord> found;
  for (auto& record : instance().store.list(table)) {
    if (query.matches(record.fields)) found.push_back(std::move(record));
  }
  std::stable_sort(found.begin(), found.end(),
                   [&](const auto& a, const auto& b) { return query.before(a.fields, b.fields); });
  const auto fields = requestedFields(exchange);
  Array::Ptr result = new Array;
  for (std::size_t i = static_cast<std::size_t>(offset);
       i < found.size() && result->size() < static_cast<std::size_t>(limit); ++i) {
    result->add(renderRecord(found[i], fields, instance().baseUrl, referenceLinks(exchange)));
  }
  exchange.addHeader("X-Total-Count", std::to_string(found.size()));
  exchange.reply(200, resultOf(result));
}

void TableCreateHandler::serveTable(Exchange& exchange, const std::string& table, const std::string& actor) {
  auto body = parseObject(exchange.body);
  // The hooks see incident creates only: that is the table incidents() shows.
  const bool incident = table == "incident";
  if (incident) {
    if (auto hook = instance().incidentCreateHooks.before()) hook(*body);
  }
  const ServiceNowRecord record = instance().store.create(table, body, actor);
  if (incident) {
    if (auto hook = instance().incidentCreateHooks.after()) {
      if (auto status = hook(*recordToJson(record))) {
        // The incident exists, but the client is told otherwise: an uncertain outcome.
        exchange.reply(*status, serviceNowError("Simulated failure after the create",
                                                "the record was inserted before this error was answered"));
        return;
      }
    }
  }
  const std::string sysId = record.fields.at("sys_id");
  exchange.addHeader("Location", instance().baseUrl + "/api/now/table/" + table + "/" + sysId);
  exchange.reply(
      201, resultOf(renderRecord(record, requestedFields(exchange), instance().baseUrl, referenceLinks(exchange))));
}

void TableReadHandler::serveTable(Exchange& exchange, const std::string& table, const std::string&) {
  const auto record = instance().store.get(table, exchange.pathParam("sys_id"));
  if (!record) {
    exchange.reply(404,
                   serviceNowError("No Record found", "Record doesn't exist or ACL restricts the record retrieval"));
    return;
  }
  exchange.reply(
      200, resultOf(renderRecord(*record, requestedFields(exchange), instance().baseUrl, referenceLinks(exchange))));
}

void TableUpdateHandler::serveTable(Exchange& exchange, const std::string& table, const std::string& actor) {
  auto changes = parseObject(exchange.body);
  const auto record = instance().store.update(table, exchange.pathParam("sys_id"), changes, actor);
  if (!record) {
    exchange.reply(404,
                   serviceNowError("No Record found", "Record doesn't exist or ACL restricts the record retrieval"));
    return;
  }
  exchange.reply(
      200, resultOf(renderRecord(*record, requestedFields(exchange), instance().baseUrl, referenceLinks(exchange))));
}

void ServiceNowUnknownPathHandler::serve(Exchange& exchange) {
  auto inner = orderedObject();
  inner->set("message", "Requested URI does not represent any resource");
  inner->set("detail", Poco::Dynamic::Var());
  auto error = orderedObject();
  error->set("error", inner);
  error->set("status", "failure");
  exchange.reply(400, error);
}

}  // namespace evalbridge::sim
