#include "config/Config.h"

#include "ledger/Database.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Path.h>
#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include "common/Errors.h"
#include "common/IsoTime.h"
#include "common/StrictJson.h"
#include "config/Duration.h"
#include "config/Regions.h"
#include "http/UrlPolicy.h"
#include "ledger/Database.h"

namespace evalbridge {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// ---- JSON parsing: common/StrictJson (Poco's parser, reporting the first duplicate key) ----

// "genesys.orgs[1]" style, as every other config error names keys.
std::string dottedPath(const std::vector<JsonPathStep>& steps, const std::string& key) {
  std::string path;
  for (const auto& step : steps) {
    if (step.isIndex)
      path += "[" + std::to_string(step.index) + "]";
    else
      path += (path.empty() ? "" : ".") + step.key;
  }
  return path.empty() ? key : path + "." + key;
}

// ---- small helpers ----

std::string join(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

std::string quoted(const std::string& value) {
  std::string shown = value.size() > 80 ? value.substr(0, 77) + "..." : value;
  return "'" + shown + "'";
}

std::string typeName(const Var& v) {
  if (v.isEmpty()) return "null";
  if (v.type() == typeid(Object::Ptr)) return "an object";
  if (v.type() == typeid(Array::Ptr)) return "an array";
  if (v.isBoolean()) return "true/false";
  if (v.isString()) return "a string";
  if (v.isInteger()) return "an integer";
  if (v.isNumeric()) return "a number";
  return "an unsupported value";
}

std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same =
          std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

const std::set<std::string> kSecretKeys = {"clientSecret", "password", "webhookSecret"};

// ---- the reader: every key goes through here, so every error names file and key ----

class Reader {
 public:
  Reader(std::string file, std::string baseDir) : file_(std::move(file)), baseDir_(std::move(baseDir)) {}

  const std::string& file() const { return file_; }
  std::string what(const std::string& key) const { return file_ + ": " + key; }

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw ConfigError(file_ + ": " + key + ": " + problem);
  }

  // Rejects keys that are not in `allowed` ("comment" and "_comment" are always allowed).
  void checkKeys(const Object::Ptr& object, const std::string& path, const std::vector<std::string>& allowed) const {
    std::vector<std::string> names;
    object->getNames(names);
    for (const auto& name : names) {
      if (name == "comment" || name == "_comment") continue;
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      std::string best;
      std::size_t bestDistance = 3;
      for (const auto& candidate : allowed) {
        const std::size_t d = editDistance(name, candidate);
        if (d < bestDistance) {
          bestDistance = d;
          best = candidate;
        }
      }
      std::string problem = "unknown key";
      if (!best.empty()) problem += " (did you mean '" + best + "'?)";
      std::string list;
      for (const auto& candidate : allowed) list += (list.empty() ? "" : ", ") + candidate;
      fail(join(path, name), problem + "; allowed here: " + list);
    }
  }

  Object::Ptr object(const Object::Ptr& parent, const std::string& path, const std::string& name, bool required) const {
    const std::string key = join(path, name);
    if (!parent->has(name)) {
      if (required) fail(key, "required section is missing");
      return nullptr;
    }
    Var v = parent->get(name);
    if (v.type() != typeid(Object::Ptr)) fail(key, "must be an object (got " + typeName(v) + ")");
    return v.extract<Object::Ptr>();
  }

  // A string value with ${env:NAME} / ${file:PATH} resolved. Nothing when absent (or required).
  std::optional<std::string> optString(const Object::Ptr& parent, const std::string& path,
                                       const std::string& name) const {
    const std::string key = join(path, name);
    if (!parent->has(name)) return std::nullopt;
    Var v = parent->get(name);
    if (!v.isString()) fail(key, "must be a string (got " + typeName(v) + ")");
    std::string value = substitute(v.extract<std::string>(), key);
    if (value.empty()) fail(key, "must not be empty");
    return value;
  }

  std::string reqString(const Object::Ptr& parent, const std::string& path, const std::string& name) const {
    auto value = optString(parent, path, name);
    if (!value) fail(join(path, name), "required key is missing");
    return *value;
  }

  std::string string(const Object::Ptr& parent, const std::string& path, const std::string& name,
                     const std::string& fallback) const {
    auto value = optString(parent, path, name);
    return value ? *value : fallback;
  }

  std::optional<long long> optInteger(const Object::Ptr& parent, const std::string& path, const std::string& name,
                                      long long min, long long max) const {
    const std::string key = join(path, name);
    if (!parent->has(name)) return std::nullopt;
    Var v = parent->get(name);
    const std::string range = "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
    long long value = 0;
    if (v.isString() && isSubstitution(v.extract<std::string>())) {
      const std::string text = substitute(v.extract<std::string>(), key);
      if (!parseInteger(text, value)) fail(key, range + " (the substituted value is not an integer)");
    } else if (v.isInteger() && !v.isBoolean()) {
      try {
        value = v.convert<Poco::Int64>();
      } catch (const Poco::Exception&) {
        fail(key, range);
      }
    } else {
      fail(key, range + " (got " + typeName(v) + ")");
    }
    if (value < min || value > max) fail(key, range + " (got " + std::to_string(value) + ")");
    return value;
  }

  int integer(const Object::Ptr& parent, const std::string& path, const std::string& name, int fallback, int min,
              int max) const {
    auto value = optInteger(parent, path, name, min, max);
    return value ? static_cast<int>(*value) : fallback;
  }

  bool boolean(const Object::Ptr& parent, const std::string& path, const std::string& name, bool fallback) const {
    const std::string key = join(path, name);
    if (!parent->has(name)) return fallback;
    Var v = parent->get(name);
    if (v.isBoolean()) return v.extract<bool>();
    if (v.isString() && isSubstitution(v.extract<std::string>())) {
      const std::string text = Poco::toLower(substitute(v.extract<std::string>(), key));
      if (text == "true") return true;
      if (text == "false") return false;
    }
    fail(key, "must be true or false (got " + typeName(v) + ")");
  }

  // ISO 8601 duration -> seconds.
  std::optional<long long> optDuration(const Object::Ptr& parent, const std::string& path, const std::string& name,
                                       long long minS, long long maxS) const {
    const std::string key = join(path, name);
    auto text = optString(parent, path, name);
    if (!text) return std::nullopt;
    auto seconds = parseIsoDurationSeconds(*text);
    if (!seconds)
      fail(key, quoted(*text) + " is not an ISO 8601 duration (examples: PT24H, PT10M, PT90S, P1D, P1DT12H)");
    if (*seconds < minS || *seconds > maxS)
      fail(key, "must be between " + std::to_string(minS) + " s and " + std::to_string(maxS) + " s (got " +
                    std::to_string(*seconds) + " s)");
    return seconds;
  }

  // A path relative to the config file's folder.
  std::string resolvePath(const std::string& value) const {
    Poco::Path p(value);
    if (p.isAbsolute()) return p.toString();
    return Poco::Path(baseDir_).resolve(p).toString();
  }

  std::string existingFile(const std::string& key, const std::string& value) const {
    const std::string resolved = resolvePath(value);
    std::string problem;
    if (!readable(resolved, problem)) fail(key, "file " + quoted(resolved) + " " + problem);
    return resolved;
  }

 private:
  static bool isSubstitution(const std::string& s) {
    return s.size() > 3 && s.compare(0, 2, "${") == 0 && s.back() == '}';
  }

  static bool parseInteger(const std::string& text, long long& out) {
    if (text.empty() || text.size() > 18) return false;
    std::size_t i = text[0] == '-' ? 1 : 0;
    if (i == text.size()) return false;
    long long value = 0;
    for (; i < text.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
      value = value * 10 + (text[i] - '0');
    }
    out = text[0] == '-' ? -value : value;
    return true;
  }

  static bool readable(const std::string& path, std::string& problem) {
    try {
      Poco::File f(path);
      if (!f.exists()) {
        problem = "does not exist";
        return false;
      }
      if (f.isDirectory()) {
        problem = "is a directory";
        return false;
      }
      if (!f.canRead()) {
        problem = "is not readable";
        return false;
      }
    } catch (const Poco::Exception& e) {
      problem = "cannot be read (" + e.message() + ")";
      return false;
    }
    return true;
  }

  std::string substitute(const std::string& raw, const std::string& key) const {
    if (!isSubstitution(raw)) {
      if (raw.find("${env:") != std::string::npos || raw.find("${file:") != std::string::npos)
        fail(key, "a ${env:NAME} or ${file:PATH} reference must be the whole value");
      return raw;
    }
    const std::string inner = raw.substr(2, raw.size() - 3);
    if (inner.compare(0, 4, "env:") == 0) {
      const std::string name = inner.substr(4);
      static const std::regex validName("[A-Za-z_][A-Za-z0-9_]*");
      if (!std::regex_match(name, validName)) fail(key, "${env:...} needs a variable name like ${env:MY_SECRET}");
      const char* value = std::getenv(name.c_str());
      if (value == nullptr) fail(key, "environment variable " + name + " is not set");
      if (*value == '\0') fail(key, "environment variable " + name + " is empty");
      return value;
    }
    if (inner.compare(0, 5, "file:") == 0) {
      const std::string rel = inner.substr(5);
      if (rel.empty()) fail(key, "${file:...} needs a path like ${file:secrets/client-secret}");
      const std::string path = resolvePath(rel);
      std::string problem;
      if (!readable(path, problem)) fail(key, "file " + quoted(path) + " (from ${file:...}) " + problem);
      std::ifstream in(path, std::ios::binary);
      if (!in) fail(key, "file " + quoted(path) + " (from ${file:...}) cannot be opened: " + std::strerror(errno));
      std::ostringstream content;
      content << in.rdbuf();
      std::string text = content.str();
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      if (text.empty()) fail(key, "file " + quoted(path) + " (from ${file:...}) is empty");
      return text;
    }
    fail(key, "unknown substitution (use ${env:NAME} or ${file:PATH})");
  }

  std::string file_;
  std::string baseDir_;
};

std::string stripTrailingSlashes(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

// An http(s) base URL: https, or http to loopback; no query, fragment; no trailing slash.
std::string baseUrl(const Reader& r, const std::string& key, const std::string& value) {
  requireSecureOrLoopback(value, r.what(key));
  if (value.find('?') != std::string::npos || value.find('#') != std::string::npos)
    r.fail(key, "must not contain a query or fragment");
  return stripTrailingSlashes(value);
}

RetrySettings readRetry(const Reader& r, const Object::Ptr& parent, const std::string& path, RetrySettings base) {
  Object::Ptr o = r.object(parent, path, "retry", false);
  if (!o) return base;
  const std::string p = join(path, "retry");
  r.checkKeys(o, p, {"maxAttempts", "initialMs", "maxMs", "maxElapsedS"});
  base.maxAttempts = r.integer(o, p, "maxAttempts", base.maxAttempts, 1, 100);
  base.initialMs = r.integer(o, p, "initialMs", base.initialMs, 1, 600000);
  base.maxMs = r.integer(o, p, "maxMs", base.maxMs, 1, 3600000);
  base.maxElapsedS = r.integer(o, p, "maxElapsedS", base.maxElapsedS, 1, 86400);
  if (base.maxMs < base.initialMs)
    r.fail(join(p, "maxMs"), "must be at least initialMs (" + std::to_string(base.initialMs) + ")");
  return base;
}

// A sweep's "maxWindow" (at most `maxWindowLimitS`) and "overlap", which must be shorter.
void readSweepWindow(const Reader& r, const Object::Ptr& o, const std::string& p, long long maxWindowLimitS,
                     int& maxWindowS, int& overlapS) {
  if (auto v = r.optDuration(o, p, "maxWindow", 60, maxWindowLimitS)) maxWindowS = static_cast<int>(*v);
  if (auto v = r.optDuration(o, p, "overlap", 0, 31LL * 86400)) overlapS = static_cast<int>(*v);
  if (overlapS >= maxWindowS)
    r.fail(join(p, "overlap"), "must be shorter than maxWindow (" + std::to_string(maxWindowS) + " s)");
}

ExportSettings readExport(const Reader& r, const Object::Ptr& genesys) {
  ExportSettings s;
  Object::Ptr o = r.object(genesys, "genesys", "export", false);
  if (!o) return s;
  const std::string p = "genesys.export";
  r.checkKeys(o, p,
              {"maxWindow", "overlap", "pollInitialMs", "pollMaxMs", "jobTimeoutS", "maxResubmits", "pageSize",
               "createPath", "statusPath", "resultsPath"});
  readSweepWindow(r, o, p, 31LL * 86400, s.maxWindowS, s.overlapS);
  s.pollInitialMs = r.integer(o, p, "pollInitialMs", s.pollInitialMs, 1, 600000);
  s.pollMaxMs = r.integer(o, p, "pollMaxMs", s.pollMaxMs, 1, 3600000);
  if (s.pollMaxMs < s.pollInitialMs)
    r.fail(join(p, "pollMaxMs"), "must be at least pollInitialMs (" + std::to_string(s.pollInitialMs) + ")");
  s.jobTimeoutS = r.integer(o, p, "jobTimeoutS", s.jobTimeoutS, 1, 7 * 86400);
  s.maxResubmits = r.integer(o, p, "maxResubmits", s.maxResubmits, 0, 100);
  s.pageSize = r.integer(o, p, "pageSize", s.pageSize, 1, 1000);
  s.createPath = r.string(o, p, "createPath", s.createPath);
  s.statusPath = r.string(o, p, "statusPath", s.statusPath);
  s.resultsPath = r.string(o, p, "resultsPath", s.resultsPath);
  for (const auto& [name, value] : {std::pair<std::string, std::string>{"createPath", s.createPath},
                                    {"statusPath", s.statusPath},
                                    {"resultsPath", s.resultsPath}}) {
    if (value.empty() || value[0] != '/') r.fail(join(p, name), "must be a path starting with '/'");
    if (name != "createPath" && value.find("{id}") == std::string::npos)
      r.fail(join(p, name), "must contain {id} (replaced by the export job id)");
  }
  return s;
}

AnalyticsSettings readAnalytics(const Reader& r, const Object::Ptr& genesys) {
  AnalyticsSettings s;
  Object::Ptr o = r.object(genesys, "genesys", "analytics", false);
  if (!o) return s;
  const std::string p = "genesys.analytics";
  r.checkKeys(o, p, {"lookback", "maxConcurrency"});
  if (auto v = r.optDuration(o, p, "lookback", 0, 366LL * 86400)) s.lookbackS = static_cast<int>(*v);
  s.maxConcurrency = r.integer(o, p, "maxConcurrency", s.maxConcurrency, 1, 32);
  return s;
}

SearchSettings readSearch(const Reader& r, const Object::Ptr& genesys) {
  SearchSettings s;
  Object::Ptr o = r.object(genesys, "genesys", "search", false);
  if (!o) return s;
  const std::string p = "genesys.search";
  r.checkKeys(o, p, {"dateField", "maxWindow", "overlap", "pageSize", "maxResults", "maxConcurrency"});
  s.dateField = r.string(o, p, "dateField", s.dateField);
  static const std::set<std::string> dateFields = {"submittedDate", "releaseDate", "createdDate", "conversationDate"};
  if (!dateFields.count(s.dateField))
    r.fail(join(p, "dateField"), quoted(s.dateField) +
                                     " must be \"submittedDate\", \"releaseDate\", \"createdDate\" or \"conversationDate\"");
  readSweepWindow(r, o, p, 90LL * 86400, s.maxWindowS, s.overlapS);
  if (o->has("maxWindow")) {
    s.firstWindowS = s.maxWindowS;  // a window length chosen: windows keep it
  } else if (s.overlapS >= s.firstWindowS) {
    r.fail(join(p, "overlap"), "must be shorter than a busy stretch's windows (" + std::to_string(s.firstWindowS) +
                                   " s when maxWindow is not set; set maxWindow for longer windows)");
  }
  s.pageSize = r.integer(o, p, "pageSize", s.pageSize, 1, 100);
  s.maxResults = r.integer(o, p, "maxResults", s.maxResults, s.pageSize, 1000000);
  s.maxConcurrency = r.integer(o, p, "maxConcurrency", s.maxConcurrency, 1, 32);
  return s;
}

// ledger.retention. Zero is allowed (that kind goes at the next prune); 50 years is as good as
// "keep forever", and keeps the cutoff (now minus the duration) a sane date.
RetentionPolicy readRetention(const Reader& r, const Object::Ptr& ledger) {
  RetentionPolicy policy;
  Object::Ptr o = r.object(ledger, "ledger", "retention", false);
  if (!o) return policy;
  const std::string p = "ledger.retention";
  r.checkKeys(o, p, {"skipped", "closed", "history"});
  const long long maxS = 50LL * 365 * 86400;
  if (auto v = r.optDuration(o, p, "skipped", 0, maxS)) policy.skippedS = *v;
  if (auto v = r.optDuration(o, p, "closed", 0, maxS)) policy.closedS = *v;
  if (auto v = r.optDuration(o, p, "history", 0, maxS)) policy.historyS = *v;
  return policy;
}

// ISO 8601 date-time with an explicit zone (or a bare date) -> "YYYY-MM-DDTHH:MM:SSZ".
std::string normalizeTimestamp(const Reader& r, const std::string& key, const std::string& text) {
  const auto parsed = parseIsoTimeOrDate(text);
  if (!parsed)
    r.fail(key, quoted(text) + " is not an ISO 8601 date-time with a time zone (e.g. 2026-11-01T00:00:00Z or "
                               "2026-11-01T02:00:00+02:00)");
  return formatIsoTime(*parsed);
}

void readListen(const Reader& r, const std::string& key, const std::string& text, ServerSettings& server) {
  std::string host;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      r.fail(key, quoted(text) + " must be host:port (IPv6 as [::1]:8089)");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon)
      r.fail(key, quoted(text) + " must be host:port, e.g. 127.0.0.1:8089");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) r.fail(key, quoted(text) + " has no host (use 0.0.0.0:PORT to listen on every interface)");
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c) != 0; }) ||
      std::stoi(port) > 65535)
    r.fail(key, quoted(text) + " needs a port from 0 to 65535");
  server.listenHost = host;
  server.listenPort = std::stoi(port);
}

OrgSettings readOrg(const Reader& r, const Object::Ptr& o, const std::string& p, const Object::Ptr& genesys,
                    const ExportSettings& exportSettings, const AnalyticsSettings& analytics,
                    const SearchSettings& search) {
  r.checkKeys(o, p,
              {"name", "orgId", "region", "apiBase", "loginBase", "clientId", "clientSecret", "mapping", "startFrom",
               "source", "intervalS", "caFile", "retry", "timeoutMs", "writeBack", "notifications"});
  OrgSettings org;
  org.name = r.reqString(o, p, "name");
  static const std::regex namePattern("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  if (!std::regex_match(org.name, namePattern))
    r.fail(join(p, "name"),
           quoted(org.name) + " must be 1-64 letters, digits, '.', '_' or '-' (it is used in the CLI and metrics)");
  org.orgId = r.reqString(o, p, "orgId");
  if (std::any_of(org.orgId.begin(), org.orgId.end(),
                  [](unsigned char c) { return std::isspace(c) != 0 || c == '^' || c == ':'; }))
    r.fail(join(p, "orgId"), "must not contain spaces, ':' or '^'");

  const auto region = r.optString(o, p, "region");
  const auto apiBase = r.optString(o, p, "apiBase");
  const auto loginBase = r.optString(o, p, "loginBase");
  if (region) {
    const auto resolved = resolveRegion(*region);
    if (!resolved)
      r.fail(join(p, "region"), "unknown region " + quoted(*region) + "; use one of: " + regionNamesList() +
                                    " (or its domain, e.g. mypurecloud.ie)");
    org.region = *region;
    org.apiBase = "https://api." + resolved->domain;
    org.loginBase = "https://login." + resolved->domain;
  } else if (!apiBase || !loginBase) {
    r.fail(join(p, "region"), std::string("required key is missing (or set both apiBase and loginBase; ") +
                                  (apiBase ? "loginBase" : "apiBase") + " is missing)");
  }
  if (apiBase) org.apiBase = baseUrl(r, join(p, "apiBase"), *apiBase);
  if (loginBase) org.loginBase = baseUrl(r, join(p, "loginBase"), *loginBase);

  org.clientId = r.reqString(o, p, "clientId");
  org.clientSecret = r.reqString(o, p, "clientSecret");
  org.mappingPath = r.resolvePath(r.reqString(o, p, "mapping"));
  if (auto startFrom = r.optString(o, p, "startFrom"))
    org.startFrom = normalizeTimestamp(r, join(p, "startFrom"), *startFrom);
  org.source = r.string(o, p, "source", org.source);
  if (org.source != "search" && org.source != "analytics" && org.source != "export")
    r.fail(join(p, "source"), quoted(org.source) + " must be \"search\", \"analytics\" or \"export\"");
  if (auto interval = r.optInteger(o, p, "intervalS", 1, 7 * 86400)) org.intervalS = static_cast<int>(*interval);
  org.notifications = r.boolean(o, p, "notifications", org.notifications);

  // Defaults from the genesys section, overridden per org.
  std::string caFile = r.string(genesys, "genesys", "caFile", "");
  std::string caKey = "genesys.caFile";
  if (auto own = r.optString(o, p, "caFile")) {
    caFile = *own;
    caKey = join(p, "caFile");
  }
  if (!caFile.empty()) org.caFile = r.existingFile(caKey, caFile);
  org.retry = readRetry(r, o, p, readRetry(r, genesys, "genesys", RetrySettings{}));
  org.timeoutMs =
      r.integer(o, p, "timeoutMs", r.integer(genesys, "genesys", "timeoutMs", 30000, 100, 600000), 100, 600000);
  org.exportSettings = exportSettings;
  org.analytics = analytics;
  org.search = search;
  if (Object::Ptr writeBack = r.object(o, p, "writeBack", false)) {
    const std::string w = join(p, "writeBack");
    r.checkKeys(writeBack, w, {"datatableId"});
    org.writeBackDatatableId = r.reqString(writeBack, w, "datatableId");
    static const std::regex idPattern("[A-Za-z0-9._-]{1,128}");
    if (!std::regex_match(org.writeBackDatatableId, idPattern))
      r.fail(join(w, "datatableId"), quoted(org.writeBackDatatableId) + " must be a data table id (letters, digits, '-')");
  }
  return org;
}

ServiceNowAuth readAuth(const Reader& r, const Object::Ptr& sn, const std::string& instanceUrl) {
  const std::string p = "servicenow.auth";
  Object::Ptr o = r.object(sn, "servicenow", "auth", true);
  ServiceNowAuth auth;
  auth.type = r.reqString(o, p, "type");
  if (auth.type == "basic") {
    r.checkKeys(o, p, {"type", "username", "password"});
    auth.username = r.reqString(o, p, "username");
    auth.password = r.reqString(o, p, "password");
  } else if (auth.type == "oauth") {
    r.checkKeys(o, p, {"type", "clientId", "clientSecret", "grant", "tokenUrl", "username", "password"});
    auth.clientId = r.reqString(o, p, "clientId");
    auth.clientSecret = r.reqString(o, p, "clientSecret");
    auth.grant = r.string(o, p, "grant", "client_credentials");
    if (auth.grant == "password") {
      auth.username = r.reqString(o, p, "username");
      auth.password = r.reqString(o, p, "password");
    } else if (auth.grant == "client_credentials") {
      for (const char* unused : {"username", "password"})
        if (o->has(unused)) r.fail(join(p, unused), "only used with \"grant\": \"password\"");
    } else {
      r.fail(join(p, "grant"), quoted(auth.grant) + " must be \"client_credentials\" or \"password\"");
    }
    auth.tokenUrl = r.string(o, p, "tokenUrl", instanceUrl + "/oauth_token.do");
    requireSecureOrLoopback(auth.tokenUrl, r.what(join(p, "tokenUrl")));
  } else {
    r.fail(join(p, "type"), quoted(auth.type) + " must be \"basic\" or \"oauth\"");
  }
  return auth;
}

}  // namespace

const OrgSettings* Config::findOrg(const std::string& name) const {
  for (const auto& org : orgs)
    if (org.name == name) return &org;
  return nullptr;
}

std::string defaultConfigPath() {
  const char* fromEnv = std::getenv("EVALBRIDGE_CONFIG");
  if (fromEnv != nullptr && *fromEnv != '\0') return fromEnv;
  return "./evalbridge.json";
}

Config loadConfig(const std::string& path) {
  // Read and parse.
  std::string text;
  {
    Poco::File f(path);
    bool exists = false;
    try {
      exists = f.exists();
    } catch (const Poco::Exception&) {
    }
    if (!exists) throw ConfigError(path + ": cannot read configuration file: no such file");
    if (f.isDirectory()) throw ConfigError(path + ": cannot read configuration file: it is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path + ": cannot read configuration file: " + std::strerror(errno));
    std::ostringstream content;
    content << in.rdbuf();
    text = content.str();
  }
  StrictJson json;
  try {
    json = parseStrictJson(text, false);
  } catch (const Poco::Exception& e) {
    throw ConfigError(path + ": not valid JSON: " + e.message());
  }
  if (json.duplicate)
    throw ConfigError(path + ": " + dottedPath(json.duplicate->objectPath, json.duplicate->key) +
                      ": duplicate key (each key may appear only once)");
  if (!json.rootScalarType.empty())
    throw ConfigError(path + ": the configuration must be a JSON object (got " + json.rootScalarType + ")");
  const Var rootVar = json.value;
  if (rootVar.type() != typeid(Object::Ptr))
    throw ConfigError(path + ": the configuration must be a JSON object (got " + typeName(rootVar) + ")");
  const Object::Ptr root = rootVar.extract<Object::Ptr>();

  const std::string baseDir = Poco::Path(Poco::Path(path).absolute()).parent().toString();
  Reader r(path, baseDir);
  Config config;
  config.sourceFile = path;
  r.checkKeys(root, "", {"ledger", "genesys", "sync", "servicenow", "server"});

  // ledger
  config.ledgerPath = r.resolvePath(config.ledgerPath);
  if (Object::Ptr ledger = r.object(root, "", "ledger", false)) {
    r.checkKeys(ledger, "ledger", {"path", "url", "password", "leaseTtlS", "replicaId", "retention"});
    if (auto p = r.optString(ledger, "ledger", "path")) config.ledgerPath = *p == ":memory:" ? *p : r.resolvePath(*p);
    if (auto url = r.optString(ledger, "ledger", "url")) {
      if (ledger->has("path")) r.fail("ledger.url", "give either ledger.path (SQLite) or ledger.url (PostgreSQL), not both");
      if (!isPostgresLocation(*url))
        r.fail("ledger.url", "must be a PostgreSQL URL like postgresql://evalbridge@db.example.com/evalbridge?sslmode=verify-full");
      config.ledgerPath = *url;
    }
    if (auto password = r.optString(ledger, "ledger", "password")) {
      if (!isPostgresLocation(config.ledgerPath)) r.fail("ledger.password", "is used only with ledger.url (PostgreSQL)");
      config.ledgerPassword = *password;
    }
    if (auto ttl = r.optInteger(ledger, "ledger", "leaseTtlS", 3, 600)) config.leaseTtlS = static_cast<int>(*ttl);
    if (auto id = r.optString(ledger, "ledger", "replicaId")) config.replicaId = *id;
    config.retention = readRetention(r, ledger);
  }

  // genesys
  Object::Ptr genesys = r.object(root, "", "genesys", true);
  r.checkKeys(genesys, "genesys", {"orgs", "search", "export", "analytics", "retry", "timeoutMs", "caFile"});
  config.exportSettings = readExport(r, genesys);
  config.analytics = readAnalytics(r, genesys);
  config.search = readSearch(r, genesys);
  if (!genesys->has("orgs")) r.fail("genesys.orgs", "required key is missing (list at least one org)");
  Var orgsVar = genesys->get("orgs");
  if (orgsVar.type() != typeid(Array::Ptr))
    r.fail("genesys.orgs", "must be an array of orgs (got " + typeName(orgsVar) + ")");
  Array::Ptr orgs = orgsVar.extract<Array::Ptr>();
  if (orgs->size() == 0) r.fail("genesys.orgs", "must list at least one org");
  for (std::size_t i = 0; i < orgs->size(); ++i) {
    const std::string p = "genesys.orgs[" + std::to_string(i) + "]";
    Var item = orgs->get(static_cast<unsigned>(i));
    if (item.type() != typeid(Object::Ptr)) r.fail(p, "must be an object (got " + typeName(item) + ")");
    OrgSettings org = readOrg(r, item.extract<Object::Ptr>(), p, genesys, config.exportSettings, config.analytics,
                              config.search);
    for (std::size_t j = 0; j < config.orgs.size(); ++j) {
      if (Poco::icompare(config.orgs[j].name, org.name) == 0)
        r.fail(join(p, "name"),
               "duplicate org name " + quoted(org.name) + " (also genesys.orgs[" + std::to_string(j) + "].name)");
      if (config.orgs[j].orgId == org.orgId)
        r.fail(join(p, "orgId"), "duplicate orgId " + quoted(org.orgId) + " (also genesys.orgs[" + std::to_string(j) +
                                     "].orgId); one entry per Genesys org");
    }
    config.orgs.push_back(std::move(org));
  }

  // sync
  if (Object::Ptr sync = r.object(root, "", "sync", false)) {
    r.checkKeys(sync, "sync", {"intervalS", "pullIntervalS", "maxConcurrentOrgs"});
    config.sync.intervalS = r.integer(sync, "sync", "intervalS", config.sync.intervalS, 1, 7 * 86400);
    config.sync.pullIntervalS = r.integer(sync, "sync", "pullIntervalS", config.sync.pullIntervalS, 1, 86400);
    config.sync.maxConcurrentOrgs =
        r.integer(sync, "sync", "maxConcurrentOrgs", config.sync.maxConcurrentOrgs, 1, 1024);
  }

  // servicenow
  Object::Ptr sn = r.object(root, "", "servicenow", true);
  const std::string s = "servicenow";
  r.checkKeys(sn, s,
              {"instanceUrl", "table", "auth", "maxConcurrency", "maxRequestsPerSecond", "retry", "timeoutMs",
               "inputDisplayValue", "caFile"});
  ServiceNowSettings& snc = config.servicenow;
  snc.instanceUrl = baseUrl(r, "servicenow.instanceUrl", r.reqString(sn, s, "instanceUrl"));
  snc.table = r.string(sn, s, "table", snc.table);
  static const std::regex tablePattern("[A-Za-z0-9_]+");
  if (!std::regex_match(snc.table, tablePattern))
    r.fail("servicenow.table", quoted(snc.table) + " must be a table name (letters, digits, '_')");
  snc.auth = readAuth(r, sn, snc.instanceUrl);
  snc.maxConcurrency = r.integer(sn, s, "maxConcurrency", snc.maxConcurrency, 1, 256);
  snc.maxRequestsPerSecond = r.integer(sn, s, "maxRequestsPerSecond", snc.maxRequestsPerSecond, 1, 10000);
  snc.retry = readRetry(r, sn, s, snc.retry);
  snc.timeoutMs = r.integer(sn, s, "timeoutMs", snc.timeoutMs, 100, 600000);
  snc.inputDisplayValue = r.boolean(sn, s, "inputDisplayValue", snc.inputDisplayValue);
  if (auto ca = r.optString(sn, s, "caFile")) snc.caFile = r.existingFile("servicenow.caFile", *ca);

  // server
  if (Object::Ptr server = r.object(root, "", "server", false)) {
    r.checkKeys(server, "server", {"listen", "webhookSecret", "maxBodyBytes"});
    if (auto listen = r.optString(server, "server", "listen")) readListen(r, "server.listen", *listen, config.server);
    config.server.webhookSecret = r.string(server, "server", "webhookSecret", "");
    config.server.maxBodyBytes =
        r.integer(server, "server", "maxBodyBytes", config.server.maxBodyBytes, 1024, 16 * 1024 * 1024);
  }
  return config;
}

}  // namespace evalbridge
