#include "sim/DataTableStore.h"

#include "sim/JsonText.h"

namespace evalbridge::sim {

Poco::JSON::Object::Ptr DataTableStore::put(const std::string& datatableId, const std::string& rowId,
                                            const Poco::JSON::Object::Ptr& row) {
  auto stored = deepCopy(row);
  stored->set("key", rowId);
  std::lock_guard<std::mutex> lock(mutex_);
  rows_[datatableId][rowId] = stored;
  return deepCopy(stored);
}

DataTableStore::Rows DataTableStore::rows() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Rows copy;
  for (const auto& [table, rows] : rows_) {
    for (const auto& [rowId, row] : rows) copy[table][rowId] = deepCopy(row);
  }
  return copy;
}

}  // namespace evalbridge::sim
