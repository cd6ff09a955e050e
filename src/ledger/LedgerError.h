#pragma once
// A ledger failure from either backend (SQLite file or PostgreSQL server); permanent in the
// evalbridge family: a broken ledger is not fixed by retrying the same call.
#include <string>

#include "common/Errors.h"

namespace evalbridge {

class LedgerError : public PermanentError {
 public:
  explicit LedgerError(const std::string& what, int code = 0) : PermanentError(what, code) {}
};

}  // namespace evalbridge
