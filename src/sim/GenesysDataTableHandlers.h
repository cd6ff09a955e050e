#pragma once
// Architect data tables, for the optional write-back of incident state to Genesys:
//   GET /api/v2/flows/datatables/{datatableId}               (architect:datatable:view)
//   PUT /api/v2/flows/datatables/{datatableId}/rows/{rowId}  (architect:datatableRow:edit)
// Every datatable id exists (the simulator has no table admin); rows written are kept.
#include "sim/GenesysApiHandler.h"

namespace evalbridge::sim {

class DataTableGetHandler : public GenesysApiHandler {
 public:
  explicit DataTableGetHandler(GenesysOrg& org) : GenesysApiHandler(org, "architect:datatable:view") {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class DataTableRowPutHandler : public GenesysApiHandler {
 public:
  explicit DataTableRowPutHandler(GenesysOrg& org) : GenesysApiHandler(org, "architect:datatableRow:edit") {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

}  // namespace evalbridge::sim
