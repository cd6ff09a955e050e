#include "ledger/PostgresModule.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ledger/LedgerError.h"

namespace evalbridge {
namespace {

constexpr const char* kModuleFile = "evalbridge-postgresql.so";

using AbiFunction = const char* (*)();
using OpenFunction = Database* (*)(const std::string*, const std::string*);

std::string executableFolder() {
  std::string path(4096, '\0');
  const ssize_t length = ::readlink("/proc/self/exe", path.data(), path.size());
  if (length <= 0) return {};
  path.resize(static_cast<size_t>(length));
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

bool isFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::string joined(const std::vector<std::string>& paths) {
  std::string text;
  for (const auto& path : paths) text += (text.empty() ? "" : ", ") + path;
  return text;
}

std::vector<std::string> postgresModuleCandidates() {
  // Ignored in a setuid or otherwise privileged process (secure_getenv), like LD_LIBRARY_PATH.
  if (const char* named = ::secure_getenv("EVALBRIDGE_POSTGRES_MODULE"); named && *named) {
    // An absolute path only: a relative one would be looked up in the working folder (the
    // service's writable state folder), and a bare name by dlopen's own search, not the file checked.
    if (named[0] != '/')
      throw LedgerError(std::string("EVALBRIDGE_POSTGRES_MODULE: '") + named + "' must be an absolute path");
    return {named};
  }
  const std::string folder = executableFolder();
  if (folder.empty()) return {};
  return {folder + "/" + kModuleFile, folder + "/../lib/evalbridge/" + kModuleFile};
}

struct LoadedModule {
  OpenFunction open = nullptr;
  std::string path;
  std::string tag;
};

// The module, loaded on first use. Never unloaded: connections and the exceptions they throw
// carry its code.
const LoadedModule& loadedModule() {
  static std::mutex mutex;
  static LoadedModule loaded;
  std::lock_guard<std::mutex> lock(mutex);
  if (loaded.open) return loaded;
  const auto candidates = postgresModuleCandidates();
  std::string path;
  for (const auto& candidate : candidates)
    if (isFile(candidate)) {
      path = candidate;
      break;
    }
  if (path.empty())
    throw LedgerError("a PostgreSQL ledger needs the module " + std::string(kModuleFile) +
                      ", which is not at " + joined(candidates) +
                      " (install it beside the evalbridge binary, or name it in EVALBRIDGE_POSTGRES_MODULE)");
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* reason = ::dlerror();
    throw LedgerError("cannot load " + path + ": " + (reason ? reason : "unknown error") +
                      " (the module needs libpq: Debian package libpq5)");
  }
  auto abi = reinterpret_cast<AbiFunction>(::dlsym(handle, "evalbridge_postgresql_abi"));
  auto entry = reinterpret_cast<OpenFunction>(::dlsym(handle, "evalbridge_postgresql_open"));
  std::string refused;
  if (!abi || !entry)
    refused = path + " is not an evalbridge PostgreSQL module";
  std::string tag = refused.empty() ? abi() : "";
  if (refused.empty() && tag != EVALBRIDGE_MODULE_ABI)
    refused = path + " is from another evalbridge build (" + tag + ", this binary is " + EVALBRIDGE_MODULE_ABI +
              "): install the module built with this binary";
  if (!refused.empty()) {
    ::dlclose(handle);
    throw LedgerError(refused);
  }
  loaded.open = entry;
  loaded.path = path;
  loaded.tag = std::move(tag);
  return loaded;
}

}  // namespace

std::unique_ptr<Database> openPostgresDatabase(const std::string& url, const std::string& password) {
  OpenFunction open = nullptr;
  try {
    open = loadedModule().open;
  } catch (const LedgerError& e) {
    throw LedgerError("ledger.url: " + e.message());  // what needed the module
  }
  return std::unique_ptr<Database>(open(&url, &password));
}

std::string describePostgresModule() {
  try {
    const LoadedModule& loaded = loadedModule();
    return loaded.path + " (loads; build " + loaded.tag + ")";
  } catch (const LedgerError& e) {
    return "not available (a postgresql:// ledger needs it; SQLite does not): " + e.message();
  }
}

}  // namespace evalbridge
