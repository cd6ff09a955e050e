#pragma once
// The records of a simulated ServiceNow instance, per table, in creation order. Fields are kept
// as text, as ServiceNow stores them; "work_notes" is a journal field, so writes append to a list
// instead of replacing a value. The system fields (sys_id, number, sys_created_on,
// sys_updated_on, sys_mod_count, ...) are maintained here. Thread-safe; results are copies.
#include <Poco/JSON/Object.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace evalbridge::sim {

struct ServiceNowRecord {
  std::map<std::string, std::string> fields;
  std::vector<std::string> workNotes;  // the journal, oldest first
};

class ServiceNowStore {
 public:
  ServiceNowRecord create(const std::string& table, const Poco::JSON::Object::Ptr& values, const std::string& actor);
  std::optional<ServiceNowRecord> get(const std::string& table, const std::string& sysId) const;
  // Applies `changes`, bumps sys_mod_count and sys_updated_on; nullopt for an unknown sys_id.
  std::optional<ServiceNowRecord> update(const std::string& table, const std::string& sysId,
                                         const Poco::JSON::Object::Ptr& changes, const std::string& actor);
  std::vector<ServiceNowRecord> list(const std::string& table) const;
  // The table a sys_id lives in ("" if none), for callers that only know the sys_id.
  std::string tableOf(const std::string& sysId) const;

 private:
  static std::string numberPrefix(const std::string& table);
  static void apply(ServiceNowRecord& record, const Poco::JSON::Object::Ptr& values);

  mutable std::mutex mutex_;
  std::map<std::string, std::vector<ServiceNowRecord>> tables_;
  std::map<std::string, std::pair<std::string, std::size_t>> index_;  // sys_id -> (table, position)
  std::map<std::string, int> nextNumber_;                             // table -> next number
};

// A record as JSON: every field as text plus the journal as "work_notes_journal".
Poco::JSON::Object::Ptr recordToJson(const ServiceNowRecord& record);

}  // namespace evalbridge::sim
