#include "http/TlsClientContext.h"

#include <map>
#include <mutex>

#include <Poco/Net/NetSSL.h>
#include <openssl/ssl.h>

#include "common/Errors.h"

namespace evalbridge {
namespace {

Poco::Net::Context::Ptr makeContext(const std::string& caFile) {
  Poco::Net::Context::Params params;
  params.caLocation = caFile;
  params.loadDefaultCAs = true;
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.verificationDepth = 9;
  params.cipherList = "DEFAULT:!aNULL:!eNULL:!MD5:!RC4";
  Poco::Net::Context::Ptr tls;
  try {
    tls = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  } catch (const Poco::Exception& e) {
    throw ConfigError("cannot load CA bundle '" + caFile + "': " + e.displayText());
  }
  tls->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  // Poco routes chain-verification failures through a process-wide event (SSLManager's
  // ClientVerificationError) that any other component could answer with "accept". Use
  // OpenSSL's own verdict instead: a bad chain always fails the handshake. The host name is
  // still checked by Poco after the handshake (VERIFY_STRICT, also for localhost).
  SSL_CTX_set_verify(tls->sslContext(), SSL_VERIFY_PEER, nullptr);
  return tls;
}

}  // namespace

Poco::Net::Context::Ptr sharedTlsClientContext(const std::string& caFile) {
  static std::mutex mutex;
  static std::map<std::string, Poco::Net::Context::Ptr> contexts;
  std::lock_guard<std::mutex> lock(mutex);
  // OpenSSL is set up by the first TLS context, not at start: a bridge that only talks plain
  // http to loopback (tests, the demo, benchmarks) never initializes it, which keeps about 2 MB
  // of libcrypto's pages out of its memory. It stays initialized until the process exits.
  static std::once_flag ssl;
  std::call_once(ssl, [] { Poco::Net::initializeSSL(); });
  auto& context = contexts[caFile];
  if (!context) context = makeContext(caFile);  // a failure leaves the entry empty: tried again next time
  return context;
}

}  // namespace evalbridge
