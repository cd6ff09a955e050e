#include "sim/DataTableStore.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include <algorithm>

#include "sim/JsonText.h"

namespace evalbridge::sim {
namespace {

Poco::JSON::Object::Ptr column(const std::string& name, int displayOrder) {
  auto property = orderedObject();
  property->set("title", name);
  property->set("type", "string");
  property->set("$id", "/properties/" + name);
  property->set("displayOrder", displayOrder);
  property->set("maxLength", 256);
  return property;
}

std::string keyOf(const Poco::JSON::Object::Ptr& row) {
  if (!row->has("key") || !row->get("key").isString() || row->getValue<std::string>("key").empty()) {
    throw Poco::InvalidArgumentException("key: a non-empty string is required");
  }
  return row->getValue<std::string>("key");
}

}  // namespace

DataTableStore::DataTableStore(std::vector<std::string> columns) : columns_(std::move(columns)) {}

Poco::JSON::Object::Ptr DataTableStore::schema() const {
  auto properties = orderedObject();
  properties->set("key", column("key", 0));
  int order = 1;
  for (const auto& name : columns_) properties->set(name, column(name, order++));
  Poco::JSON::Array::Ptr required = new Poco::JSON::Array;
  required->add("key");
  auto schema = orderedObject();
  schema->set("$schema", "http://json-schema.org/draft-04/schema#");
  schema->set("type", "object");
  schema->set("required", required);
  schema->set("properties", properties);
  schema->set("additionalProperties", false);
  return schema;
}

void DataTableStore::checkColumns(const Poco::JSON::Object::Ptr& row) const {
  for (const auto& [name, value] : *row) {
    if (name == "key") continue;
    if (std::find(columns_.begin(), columns_.end(), name) == columns_.end()) {
      std::string schema = "key";
      for (const auto& known : columns_) schema += ", " + known;
      throw Poco::InvalidArgumentException("'" + name + "' is not a column of this data table (columns: " + schema +
                                           ")");
    }
    // Every column is a string column; a schema check rejects other JSON types (null = empty).
    if (!value.isEmpty() && !value.isString()) {
      throw Poco::InvalidArgumentException("'" + name + "' must be a string (the column's type)");
    }
  }
}

Poco::JSON::Object::Ptr DataTableStore::create(const std::string& datatableId, const Poco::JSON::Object::Ptr& row) {
  const std::string key = keyOf(row);
  checkColumns(row);
  std::lock_guard<std::mutex> lock(mutex_);
  auto& table = rows_[datatableId];
  if (table.count(key)) throw Poco::ExistsException("a row with key '" + key + "' already exists");
  table[key] = deepCopy(row);
  return deepCopy(row);
}

Poco::JSON::Object::Ptr DataTableStore::update(const std::string& datatableId, const std::string& rowId,
                                               const Poco::JSON::Object::Ptr& row) {
  if (keyOf(row) != rowId) throw Poco::InvalidArgumentException("key: must equal the rowId of the path");
  checkColumns(row);
  std::lock_guard<std::mutex> lock(mutex_);
  auto table = rows_.find(datatableId);
  if (table == rows_.end() || !table->second.count(rowId)) {
    throw Poco::NotFoundException("no row '" + rowId + "' in data table " + datatableId);
  }
  table->second[rowId] = deepCopy(row);  // a PUT replaces the whole row
  return deepCopy(row);
}

Poco::JSON::Object::Ptr DataTableStore::get(const std::string& datatableId, const std::string& rowId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto table = rows_.find(datatableId);
  if (table == rows_.end() || !table->second.count(rowId)) {
    throw Poco::NotFoundException("no row '" + rowId + "' in data table " + datatableId);
  }
  return deepCopy(table->second.at(rowId));
}

bool DataTableStore::remove(const std::string& datatableId, const std::string& rowId) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto table = rows_.find(datatableId);
  return table != rows_.end() && table->second.erase(rowId) > 0;
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
