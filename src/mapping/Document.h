#pragma once
// What a condition reads of an evaluation: the value at a path. The mapping reads Poco objects
// (ObjectDocument); the sync's first look at a record reads simdjson's view of its text
// (EvaluationProjection.cpp), so a skip the condition settles is decided without building one.
#include <Poco/JSON/Object.h>

#include "mapping/FieldPath.h"
#include "mapping/Value.h"

namespace evalbridge {
namespace mapping {

class Document {
 public:
  virtual ~Document() = default;
  // As FieldPath::lookup on the whole evaluation: Missing, Null or the value. Never throws.
  virtual Value at(const FieldPath& path) const = 0;
};

class ObjectDocument final : public Document {
 public:
  explicit ObjectDocument(const Poco::JSON::Object& root) : root_(root) {}
  Value at(const FieldPath& path) const override { return path.lookup(root_); }

 private:
  const Poco::JSON::Object& root_;
};

}  // namespace mapping
}  // namespace evalbridge
