#include "genesys/DataTableSchema.h"

#include <Poco/JSON/Object.h>

#include "common/Errors.h"
#include "genesys/JsonResponse.h"
#include "http/HttpClient.h"

namespace evalbridge {

const std::vector<std::string>& writeBackColumns() {
  static const std::vector<std::string> columns = {"incidentNumber", "state", "link"};
  return columns;
}

std::string dataTableSchemaPath(const std::string& datatableId) {
  return "/api/v2/flows/datatables/" + urlEncode(datatableId) + "?expand=schema";
}

std::vector<std::string> missingWriteBackColumns(const std::string& dataTableBody) {
  auto table = parseResponseObject(dataTableBody, "data table");
  auto schema = table->getObject("schema");
  auto properties = schema ? schema->getObject("properties") : nullptr;
  if (!properties) throw PermanentError("the data table answer has no schema.properties (asked with expand=schema)");
  std::vector<std::string> missing;
  for (const auto& column : writeBackColumns())
    if (!properties->has(column)) missing.push_back(column);
  return missing;
}

}  // namespace evalbridge
