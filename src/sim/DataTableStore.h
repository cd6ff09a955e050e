#pragma once
// Architect data tables of one org (the bridge's optional write-back). Every table id exists
// (the simulator has no table admin) and has the same columns: "key" (the row id) plus the org's
// dataTableColumns, all strings. Rows are created (POST; a taken key is a conflict), updated only
// if they exist (PUT is no upsert), and read. datatableId -> rowId -> row. Thread-safe; rows
// handed out are copies.
#include <Poco/JSON/Object.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace evalbridge::sim {

class DataTableStore {
 public:
  using Rows = std::map<std::string, std::map<std::string, Poco::JSON::Object::Ptr>>;

  explicit DataTableStore(std::vector<std::string> columns);

  const std::vector<std::string>& columns() const { return columns_; }
  // A JsonSchemaDocument of the tables' columns.
  Poco::JSON::Object::Ptr schema() const;

  // Throws InvalidArgumentException (no key, unknown column, not a string), ExistsException (key taken).
  Poco::JSON::Object::Ptr create(const std::string& datatableId, const Poco::JSON::Object::Ptr& row);
  // Throws InvalidArgumentException (key differs from rowId, bad column), NotFoundException (no such row).
  Poco::JSON::Object::Ptr update(const std::string& datatableId, const std::string& rowId,
                                 const Poco::JSON::Object::Ptr& row);
  // Throws NotFoundException.
  Poco::JSON::Object::Ptr get(const std::string& datatableId, const std::string& rowId) const;
  Rows rows() const;
  // Deletes a row, as an Architect user could (so tests can make the bridge's memory stale).
  // Returns false when there was none.
  bool remove(const std::string& datatableId, const std::string& rowId);

 private:
  void checkColumns(const Poco::JSON::Object::Ptr& row) const;

  const std::vector<std::string> columns_;
  mutable std::mutex mutex_;
  Rows rows_;
};

}  // namespace evalbridge::sim
