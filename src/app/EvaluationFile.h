#pragma once
// Reads evaluations for `evalbridge map`: a JSON array, an export page {"entities":[...]}, a
// single evaluation object, or newline-delimited JSON (one evaluation per line).
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

namespace evalbridge {

// Throws ConfigError naming the file (and the line, for NDJSON) when it cannot be read.
std::vector<Poco::JSON::Object::Ptr> readEvaluationFile(const std::string& path);

}  // namespace evalbridge
