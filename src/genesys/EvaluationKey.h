#pragma once
// What the sync needs of every evaluation to key it in the ledger. One without a usable id, or
// with a changedDate that is not a string, is dead-lettered with its raw text (OrgSync), so the
// projection reads such a record in full rather than settling it as a skip at its first stage.
#include <Poco/Dynamic/Var.h>

#include <string>

#include "mapping/Value.h"

namespace evalbridge {

// A non-empty string.
inline bool isUsableEvaluationId(const Poco::Dynamic::Var& id) {
  return id.isString() && !id.toString().empty();
}

// A string, or absent (an evaluation may have no changedDate).
inline bool isUsableChangedDate(const Poco::Dynamic::Var& changed) {
  return changed.isEmpty() || changed.isString();
}

// The same two rules on a value looked up through a mapping::Document (the projection decides
// a skip on simdjson's view of the text, before any object exists).
inline bool isUsableEvaluationId(const mapping::Value& id) {
  return id.kind == mapping::Value::Kind::String && !id.string().empty();
}
inline bool isUsableChangedDate(const mapping::Value& changed) {
  return changed.absent() || changed.kind == mapping::Value::Kind::String;
}

}  // namespace evalbridge
