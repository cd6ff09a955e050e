#pragma once
// The Architect data table that write-back keeps one row per delivered evaluation in: the key
// column holds the evaluation id, and the string columns below hold what became of it. Read with
// GET /api/v2/flows/datatables/{datatableId}?expand=schema (ArchitectApi get_flows_datatable;
// DataTable.schema is a JSON schema whose "properties" are the columns).
#include <string>
#include <vector>

namespace evalbridge {

// The columns write-back fills, besides the key.
const std::vector<std::string>& writeBackColumns();

std::string dataTableSchemaPath(const std::string& datatableId);

// The write-back columns the table lacks, given the body of the GET above. Throws
// PermanentError when the body has no readable schema.
std::vector<std::string> missingWriteBackColumns(const std::string& dataTableBody);

}  // namespace evalbridge
