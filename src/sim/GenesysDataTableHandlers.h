#pragma once
// Architect data tables (ArchitectApi), for the optional write-back of incident state:
//   GET  /api/v2/flows/datatables/{datatableId}[?expand=schema] -> DataTable (schema only with expand)
//   POST /api/v2/flows/datatables/{datatableId}/rows             -> the row (409 if the key is taken)
//   PUT  /api/v2/flows/datatables/{datatableId}/rows/{rowId}     -> the row (404 if it does not exist)
//   GET  /api/v2/flows/datatables/{datatableId}/rows/{rowId}[?showbrief=false] -> the row (404)
// Permissions as documented: "Requires ANY" of the table-wide or the row permission.
#include "sim/GenesysApiHandler.h"

namespace evalbridge::sim {

class DataTableGetHandler : public GenesysApiHandler {
 public:
  explicit DataTableGetHandler(GenesysOrg& org) : GenesysApiHandler(org, "architect:datatable:view") {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class DataTableRowPostHandler : public GenesysApiHandler {
 public:
  explicit DataTableRowPostHandler(GenesysOrg& org)
      : GenesysApiHandler(org, std::vector<std::string>{"architect:datatable:add", "architect:datatableRow:add"}) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class DataTableRowPutHandler : public GenesysApiHandler {
 public:
  explicit DataTableRowPutHandler(GenesysOrg& org)
      : GenesysApiHandler(org, std::vector<std::string>{"architect:datatable:edit", "architect:datatableRow:edit"}) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class DataTableRowGetHandler : public GenesysApiHandler {
 public:
  explicit DataTableRowGetHandler(GenesysOrg& org)
      : GenesysApiHandler(org, std::vector<std::string>{"architect:datatable:view", "architect:datatableRow:view"}) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

}  // namespace evalbridge::sim
