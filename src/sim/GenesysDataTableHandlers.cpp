#include "sim/GenesysDataTableHandlers.h"

#include "sim/JsonText.h"

namespace evalbridge::sim {

void DataTableGetHandler::serveAuthorized(Exchange& exchange) {
  const std::string id = exchange.pathParam("datatableId");
  auto division = orderedObject();
  division->set("id", homeDivisionId(org().spec));
  division->set("name", "Home");
  auto answer = orderedObject();
  answer->set("id", id);
  answer->set("name", "Data table " + id);
  answer->set("division", division);
  answer->set("selfUri", "/api/v2/flows/datatables/" + id);
  exchange.reply(200, answer);
}

void DataTableRowPutHandler::serveAuthorized(Exchange& exchange) {
  auto row = parseObject(exchange.body);
  exchange.reply(200, org().dataTables.put(exchange.pathParam("datatableId"), exchange.pathParam("rowId"), row));
}

}  // namespace evalbridge::sim
