#pragma once
// Architect data table rows written to one org (the bridge's optional write-back).
// datatableId -> rowId -> row. Thread-safe; rows handed out are copies.
#include <Poco/JSON/Object.h>

#include <map>
#include <mutex>
#include <string>

namespace evalbridge::sim {

class DataTableStore {
 public:
  using Rows = std::map<std::string, std::map<std::string, Poco::JSON::Object::Ptr>>;

  // Stores the row under its id (the row's "key" field is set to rowId, as Genesys does) and
  // returns a copy of what was stored.
  Poco::JSON::Object::Ptr put(const std::string& datatableId, const std::string& rowId,
                              const Poco::JSON::Object::Ptr& row);
  Rows rows() const;

 private:
  mutable std::mutex mutex_;
  Rows rows_;
};

}  // namespace evalbridge::sim
