#pragma once
// The TLS client context (CA store, verification, protocol floor) for a CA bundle, shared by
// every HttpClient that names the same bundle. Loading the system CA store costs about 1 MB per
// context; with one context per org client, a BPO's thousand orgs held a gigabyte of identical
// certificates. An OpenSSL SSL_CTX may be used by many connections and threads at once.
#include <string>

#include <Poco/Net/Context.h>

namespace evalbridge {

// The context for `caFile` ("" = the system CAs only), made on first use and kept for the life of
// the process. Throws ConfigError when the bundle cannot be loaded (naming it).
Poco::Net::Context::Ptr sharedTlsClientContext(const std::string& caFile);

}  // namespace evalbridge
