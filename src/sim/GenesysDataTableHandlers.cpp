#include "sim/GenesysDataTableHandlers.h"

#include <Poco/Exception.h>
#include <Poco/String.h>

#include "sim/JsonText.h"

namespace evalbridge::sim {

void DataTableGetHandler::serveAuthorized(Exchange& exchange) {
  const auto expand = exchange.queryParam("expand");
  // "schema" is the one documented value; anything else is refused so a typo does not pass.
  if (expand && *expand != "schema") throw Poco::InvalidArgumentException("expand: only 'schema' is supported");
  const std::string id = exchange.pathParam("datatableId");
  const std::string divisionId = homeDivisionId(org().spec);
  auto division = orderedObject();
  division->set("id", divisionId);
  division->set("name", "Home");
  division->set("selfUri", "/api/v2/authorization/divisions/" + divisionId);
  auto answer = orderedObject();
  answer->set("id", id);
  answer->set("name", "Data table " + id);
  answer->set("division", division);
  answer->set("description", "");
  if (expand) answer->set("schema", org().dataTables.schema());
  answer->set("selfUri", "/api/v2/flows/datatables/" + id);
  exchange.reply(200, answer);
}

void DataTableRowPostHandler::serveAuthorized(Exchange& exchange) {
  exchange.reply(200, org().dataTables.create(exchange.pathParam("datatableId"), parseObject(exchange.body)));
}

void DataTableRowPutHandler::serveAuthorized(Exchange& exchange) {
  exchange.reply(200, org().dataTables.update(exchange.pathParam("datatableId"), exchange.pathParam("rowId"),
                                              parseObject(exchange.body)));
}

void DataTableRowGetHandler::serveAuthorized(Exchange& exchange) {
  auto row = org().dataTables.get(exchange.pathParam("datatableId"), exchange.pathParam("rowId"));
  // showbrief defaults to true: then only the key field comes back (ArchitectApi).
  const std::string showbrief = Poco::toLower(exchange.queryParam("showbrief").value_or("true"));
  if (showbrief != "false") {
    auto brief = orderedObject();
    brief->set("key", row->getValue<std::string>("key"));
    row = brief;
  }
  exchange.reply(200, row);
}

}  // namespace evalbridge::sim
