#include "config/Redaction.h"

#include <algorithm>
#include <sstream>

#include "http/BasicAuth.h"
#include "http/HttpClient.h"

namespace evalbridge {

Redactor::Redactor(const Config& config) {
  for (const auto& org : config.orgs) {
    add(org.clientSecret);
    if (!org.clientSecret.empty()) add(base64NoWrap(org.clientId + ":" + org.clientSecret));
  }
  const ServiceNowAuth& auth = config.servicenow.auth;
  add(auth.password);
  add(auth.clientSecret);
  if (!auth.password.empty()) add(base64NoWrap(auth.username + ":" + auth.password));
  if (!auth.clientSecret.empty()) add(base64NoWrap(auth.clientId + ":" + auth.clientSecret));
  add(config.server.webhookSecret);
  add(config.ledgerPassword);
}

void Redactor::add(const std::string& secret) {
  if (secret.empty()) return;
  auto insert = [this](const std::string& value) {
    if (std::find(secrets_.begin(), secrets_.end(), value) == secrets_.end()) secrets_.push_back(value);
  };
  insert(secret);
  const std::string encoded = urlEncode(secret);
  if (encoded != secret) insert(encoded);
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redactor::operator()(const std::string& text) const {
  std::string out = text;
  for (const auto& secret : secrets_) {
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return out;
}

std::string redact(const Config& config, const std::string& text) {
  return Redactor(config)(text);
}

}  // namespace evalbridge
