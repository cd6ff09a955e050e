#pragma once
// Turns a failed Genesys Cloud response into a sentence a person can act on: which org, which
// host, which request (inin-correlation-id), what is wrong and what to change where.
#include <string>
#include <vector>

#include "common/Errors.h"
#include "http/HttpClient.h"

namespace evalbridge {

struct GenesysErrorInfo {
  int status = 0;
  std::string code;       // "missing.permissions", "bad.credentials", ...
  std::string message;    // Genesys's own message
  std::vector<std::string> permissions;  // for missing.permissions / missing.any.permissions
  std::string contextId;
  std::string correlationId;  // inin-correlation-id response header
};

GenesysErrorInfo parseGenesysError(const HttpResponse& response);

// Where the failure happened, for the explanation.
struct GenesysErrorContext {
  std::string orgName;
  std::string orgId;
  std::string clientId;
  std::string host;     // scheme://host[:port]
  std::string request;  // "GET /api/v2/quality/exports/{id}"
};

// One paragraph: what failed, where, and the fix.
std::string explainGenesysError(const GenesysErrorInfo& error, const GenesysErrorContext& where);

// A Genesys call that failed for a reason retrying will not fix (4xx other than 408/425/429).
class GenesysApiError : public PermanentError {
 public:
  GenesysApiError(const std::string& explanation, GenesysErrorInfo info)
      : PermanentError(explanation), info_(std::move(info)) {}
  const GenesysErrorInfo& info() const { return info_; }
  GenesysApiError* clone() const override { return new GenesysApiError(*this); }
  void rethrow() const override { throw *this; }

 private:
  GenesysErrorInfo info_;
};

}  // namespace evalbridge
