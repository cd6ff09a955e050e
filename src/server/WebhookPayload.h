#pragma once
// The body of a ServiceNow webhook (SPEC section 7) read into an IncidentStateUpdate:
// sys_id, state, correlation_id and sys_updated_on are required; number, sys_mod_count,
// assignment_group, close_code and close_notes are optional (absent = the ledger keeps its value).
#include <string>

#include "ledger/IncidentStateStore.h"

namespace evalbridge {

// Throws PermanentError saying what is wrong (answered with 400).
IncidentStateUpdate parseWebhookPayload(const std::string& body);

}  // namespace evalbridge
