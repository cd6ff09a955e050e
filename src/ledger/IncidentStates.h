#pragma once
// ServiceNow's incident states (the out-of-the-box choice list of incident.state), so people can
// write `ledger list --state resolved` instead of `--state 6`, and output can say "Resolved".
#include <optional>
#include <string>

namespace evalbridge {

// "resolved" / "Resolved" / "6" -> "6"; "on hold", "on_hold", "on-hold" -> "3". A number is
// passed through (instances may add their own states); nothing for an unknown name.
std::optional<std::string> incidentStateCode(const std::string& nameOrCode);

// "6" -> "Resolved"; an unknown code is returned as it is.
std::string incidentStateName(const std::string& code);

// Resolved (6), Closed (7) and Canceled (8): the incident is done on the ServiceNow side, and the
// bridge must not reopen it (a rescore only adds a work note).
bool isFinalIncidentState(const std::string& code);

}  // namespace evalbridge
