#pragma once
// Secret values from the configuration (client secrets, passwords, the webhook secret) must never
// reach a log line. redact() replaces each of them -- and the forms in which they travel on the
// wire (Basic credentials in base64, percent-encoded form values) -- with "***".
#include <string>
#include <vector>

#include "config/Config.h"

namespace evalbridge {

class Redactor {
 public:
  Redactor() = default;
  explicit Redactor(const Config& config);
  // Adds one more secret (e.g. an access token obtained at run time). Empty values are ignored.
  void add(const std::string& secret);
  std::string operator()(const std::string& text) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so a secret inside another is covered
};

// One-shot form: builds a Redactor from `config` and applies it.
std::string redact(const Config& config, const std::string& text);

}  // namespace evalbridge
