#pragma once
// The JSON forms of the simulator's public structs: scenario files (SimulatorOptions, read by
// optionsFromJson, declared in Simulator.h), fault rules (POST /control/faults) and recorded
// requests (GET /control/requests). Keys are the struct field names; unknown keys and wrong types
// are rejected with evalbridge::ConfigError naming the key ("orgs[1].pageSize: ...").
#include <Poco/JSON/Object.h>

#include "sim/Simulator.h"

namespace evalbridge::sim {

FaultRule faultRuleFromJson(const Poco::JSON::Object::Ptr& json);
Poco::JSON::Object::Ptr toJson(const FaultRule& rule);
Poco::JSON::Object::Ptr toJson(const RecordedRequest& request);
// Throws ConfigError naming the first bad field (also used for options built in code).
void validateOptions(const SimulatorOptions& options);

}  // namespace evalbridge::sim
