#include "sim/ServiceNowStore.h"

#include <Poco/JSON/Array.h>
#include <Poco/String.h>

#include <cstdio>

#include "sim/JsonText.h"
#include "sim/RandomIds.h"
#include "sim/TimeText.h"

namespace evalbridge::sim {

std::string ServiceNowStore::numberPrefix(const std::string& table) {
  if (table == "incident") return "INC";
  if (table == "problem") return "PRB";
  if (table == "change_request") return "CHG";
  return Poco::toUpper(table.substr(0, 3));
}

void ServiceNowStore::apply(ServiceNowRecord& record, const Poco::JSON::Object::Ptr& values) {
  if (!values) return;
  for (const auto& [name, value] : *values) {
    const std::string text = fieldAsText(value);
    if (name == "work_notes") {
      if (!text.empty()) record.workNotes.push_back(text);
    } else if (name.rfind("sys_", 0) != 0 && name != "number") {  // system fields are read-only
      record.fields[name] = text;
    }
  }
}

ServiceNowRecord ServiceNowStore::create(const std::string& table, const Poco::JSON::Object::Ptr& values,
                                         const std::string& actor) {
  const std::string now = formatServiceNow(Poco::Timestamp());
  ServiceNowRecord record;
  apply(record, values);
  record.fields["sys_id"] = randomHex(32);
  if (!record.fields.count("state")) record.fields["state"] = "1";
  record.fields["sys_created_on"] = now;
  record.fields["sys_updated_on"] = now;
  record.fields["sys_created_by"] = actor;
  record.fields["sys_updated_by"] = actor;
  record.fields["sys_mod_count"] = "0";
  record.fields["sys_class_name"] = table;

  std::lock_guard<std::mutex> lock(mutex_);
  auto& counter = nextNumber_.try_emplace(table, 10001).first->second;
  char number[32];
  std::snprintf(number, sizeof number, "%s%07d", numberPrefix(table).c_str(), counter++);
  record.fields["number"] = number;
  auto& rows = tables_[table];
  index_[record.fields["sys_id"]] = {table, rows.size()};
  rows.push_back(record);
  return record;
}

std::optional<ServiceNowRecord> ServiceNowStore::get(const std::string& table, const std::string& sysId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(sysId);
  if (it == index_.end() || it->second.first != table) return std::nullopt;
  return tables_.at(table)[it->second.second];
}

std::optional<ServiceNowRecord> ServiceNowStore::update(const std::string& table, const std::string& sysId,
                                                        const Poco::JSON::Object::Ptr& changes,
                                                        const std::string& actor) {
  const std::string now = formatServiceNow(Poco::Timestamp());
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(sysId);
  if (it == index_.end() || it->second.first != table) return std::nullopt;
  ServiceNowRecord& record = tables_[table][it->second.second];
  apply(record, changes);
  record.fields["sys_updated_on"] = now;
  record.fields["sys_updated_by"] = actor;
  record.fields["sys_mod_count"] = std::to_string(std::stoi(record.fields["sys_mod_count"]) + 1);
  return record;
}

std::vector<ServiceNowRecord> ServiceNowStore::list(const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tables_.find(table);
  return it == tables_.end() ? std::vector<ServiceNowRecord>{} : it->second;
}

std::string ServiceNowStore::tableOf(const std::string& sysId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(sysId);
  return it == index_.end() ? std::string() : it->second.first;
}

Poco::JSON::Object::Ptr recordToJson(const ServiceNowRecord& record) {
  auto object = orderedObject();
  for (const auto& [name, value] : record.fields) object->set(name, value);
  Poco::JSON::Array::Ptr journal = new Poco::JSON::Array;
  for (const auto& note : record.workNotes) journal->add(note);
  object->set("work_notes_journal", journal);
  return object;
}

}  // namespace evalbridge::sim
