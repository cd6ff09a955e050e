#pragma once
// A self-signed certificate for one DNS name or IP address, written as PEM files into the temp
// folder (deleted at exit), and a TLS server context that serves it: for tests of certificate
// and host-name verification against a server on 127.0.0.1.
#include <Poco/Net/Context.h>
#include <Poco/TemporaryFile.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

namespace evalbridge::test {

struct SelfSignedCert {
  std::string certPath;
  std::string keyPath;
};

inline SelfSignedCert makeSelfSignedCert(const std::string& name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key != nullptr);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert, subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  const std::string san = "DNS:" + name;
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
  REQUIRE(ext != nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);

  SelfSignedCert out;
  out.certPath = Poco::TemporaryFile::tempName() + "-cert.pem";
  out.keyPath = Poco::TemporaryFile::tempName() + "-key.pem";
  Poco::TemporaryFile::registerForDeletion(out.certPath);
  Poco::TemporaryFile::registerForDeletion(out.keyPath);
  FILE* f = std::fopen(out.certPath.c_str(), "w");
  REQUIRE(f != nullptr);
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(out.keyPath.c_str(), "w");
  REQUIRE(f != nullptr);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

inline Poco::Net::Context::Ptr tlsServerContext(const SelfSignedCert& cert) {
  return new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, cert.keyPath, cert.certPath, "",
                                Poco::Net::Context::VERIFY_NONE);
}

}  // namespace evalbridge::test
