#pragma once
// Which Genesys Cloud permissions each source needs, and a harmless request that proves each one
// (used by `evalbridge doctor`). A probe reads something that does not exist, or sends a request
// Genesys must reject as malformed, so it changes nothing: the answer is 403 missing.permissions
// when the OAuth client's roles lack the permission, and 404/400 when they have it.
#include <set>
#include <string>
#include <vector>

namespace evalbridge {

struct PermissionProbe {
  std::string check;        // "permission quality:evaluation:view", "export API available"
  std::string permission;   // what a 403 here means is missing
  std::string method;
  std::string path;
  std::string body;          // JSON, "" for none
  std::string shownRequest;  // method + path template, for messages
  std::set<int> passing;     // statuses that prove the permission (and the endpoint) are there
  bool availabilityCheck = false;  // 404/501 here means the API is not offered to this org
};

inline const char* const kEvaluationViewPermission = "quality:evaluation:view";
inline const char* const kConversationDetailViewPermission = "analytics:conversationDetail:view";
inline const char* const kEvaluationSearchAnyPermission = "quality:evaluation:searchAny";
inline const char* const kDataTableViewPermission = "architect:datatable:view";
inline const char* const kDataTableRowAddPermission = "architect:datatableRow:add";
inline const char* const kDataTableRowEditPermission = "architect:datatableRow:edit";

// The probes for `source` ("search", "analytics" or "export"), in the order doctor runs them.
std::vector<PermissionProbe> permissionProbesFor(const std::string& source);

// The probes for write-back into data table `datatableId`: reading the table, creating a row
// (POST) and updating one (PUT), each with a request that cannot change anything.
std::vector<PermissionProbe> writeBackProbes(const std::string& datatableId);

// The permissions `source` needs, for messages and the README.
std::vector<std::string> permissionsFor(const std::string& source);

}  // namespace evalbridge
