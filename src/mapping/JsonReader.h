#pragma once
// Reads a mapping file's JSON with Poco's parser, keeping object key order (field order matters)
// and rejecting duplicate keys, which Poco would otherwise resolve silently (last one wins).
#include <string>

#include <Poco/Dynamic/Var.h>

namespace evalbridge {
namespace mapping {

// Throws ConfigError "invalid JSON: <parser message>" or "$.fields: duplicate key 'urgency'".
Poco::Dynamic::Var readJson(const std::string& text);

}  // namespace mapping
}  // namespace evalbridge
