#pragma once
// A throwaway, real PostgreSQL 15 cluster for tests: initdb into a fresh temp dir, start on a free
// port of 127.0.0.1 (password required over TCP, trust on the Unix socket in the same dir, TLS
// optional), a role `evalbridge` that owns the databases tests create; stopped and deleted at scope
// exit. Start plus stop takes about 1.3 s, nearly all of it initdb: fine once per test case; a
// test that needs several databases makes them on one server (createDatabase, ~0.1 s each).
#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/RunProcess.h"
#include "support/TempDir.h"

namespace evalbridge::test {

class PostgresServer {
 public:
  enum class Tls { off, on };

  // Path of a PostgreSQL 15 program (initdb, pg_ctl, psql, ...): the version is pinned so a
  // second installed version cannot change what the tests run against.
  static std::string program(const std::string& name) { return "/usr/lib/postgresql/15/bin/" + name; }
  static bool available() { return Poco::File(program("initdb")).exists(); }

  explicit PostgresServer(Tls tls = Tls::off) {
    // Never skip: a suite that passes because the database is missing would hide every
    // PostgreSQL test.
    if (!available())
      throw std::runtime_error("PostgreSQL 15 is not installed (no " + program("initdb") +
                               "): install the Debian package postgresql-15 (scripts/test.sh installs it)");
    // PostgreSQL refuses to run as root (CI runs tests as root): then the cluster belongs to the
    // `postgres` user of the Debian package, and so must the dir that holds it.
    if (::geteuid() == 0) {
      const passwd* owner = ::getpwnam("postgres");
      if (owner == nullptr || ::chown(dir_.path().c_str(), owner->pw_uid, owner->pw_gid) != 0)
        throw std::runtime_error("running as root, but cannot hand " + dir_.path() +
                                 " to the `postgres` user (does it exist? the postgresql-15 package creates it)");
    }
    // -U postgres: the same superuser name whoever runs the tests. --no-locale: no dependence
    // on the machine's locales. --no-sync, fsync=off: the data is thrown away anyway.
    check("initdb",
          runAsOwner(program("initdb"), {"-D", dataDir(), "-U", "postgres", "-A", "trust", "--auth-host=scram-sha-256",
                                         "-E", "UTF8", "--no-locale", "--no-sync"}));
    std::string settings = "listen_addresses = '127.0.0.1'\nunix_socket_directories = '" + socketDir() +
                           "'\nfsync = off\nmax_connections = 100\n";
    if (tls == Tls::on) {
      // Self-signed: the certificate is its own CA (caFile()). IP SAN, because libpq's verify-full
      // matches a numeric host against IP entries. Made by the owner so the key has the owner
      // and mode (0600) the server insists on.
      caFile_ = dir_.file("server.crt");
      const std::string key = dir_.file("server.key");
      check("openssl", runAsOwner("/usr/bin/openssl",
                                  {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                   "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                                   "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", caFile_}));
      settings += "ssl = on\nssl_cert_file = '" + caFile_ + "'\nssl_key_file = '" + key + "'\n";
    }
    std::ofstream(dataDir() + "/postgresql.conf", std::ios::app) << settings;  // later lines win
    try {
      start();
      runSql("postgres", "CREATE ROLE evalbridge LOGIN PASSWORD '" + password() + "'");
    } catch (...) {
      stop();
      throw;
    }
  }

  ~PostgresServer() { stop(); }  // dir_ (declared first) is removed after this
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates a database owned by `evalbridge`; returns its TCP URL, without the password.
  // Names are plain identifiers ([a-z_][a-z0-9_]*) so they need no quoting in SQL or the URL.
  std::string createDatabase(const std::string& name) {
    if (!std::regex_match(name, std::regex("[a-z_][a-z0-9_]*")))
      throw std::invalid_argument("database name must match [a-z_][a-z0-9_]*: '" + name + "'");
    runSql("postgres", "CREATE DATABASE " + name + " OWNER evalbridge");
    return "postgresql://evalbridge@127.0.0.1:" + std::to_string(port_) + "/" + name;
  }
  // The same database over the Unix socket (trust: no password needed).
  std::string socketUrl(const std::string& name) const {
    return "postgresql://evalbridge@/" + name + "?host=" + socketDir() + "&port=" + std::to_string(port_);
  }
  // Runs `sql` as the superuser over the Unix socket; returns psql's unaligned output. For set-up
  // and for checks behind the back of the code under test.
  std::string runSql(const std::string& database, const std::string& sql) const {
    return check("psql",
                 runProcess(program("psql"), {"-X", "-w", "-At", "-v", "ON_ERROR_STOP=1", "-h", socketDir(), "-p",
                                              std::to_string(port_), "-U", "postgres", "-d", database, "-c", sql}))
        .out;
  }

  std::string password() const { return "evalbridge-test-secret"; }
  int port() const { return port_; }
  const std::string& socketDir() const { return dir_.path(); }
  // The certificate to trust (sslrootcert) with Tls::on; "" otherwise.
  const std::string& caFile() const { return caFile_; }

 private:
  std::string dataDir() const { return dir_.file("data"); }
  std::string logFile() const { return dir_.file("server.log"); }

  // Throws with everything the command and the server said, so a CI failure explains itself.
  ProcessResult check(const std::string& what, ProcessResult result) const {
    if (result.exitCode == 0) return result;
    throw std::runtime_error("PostgresServer: " + what + " failed (exit code " + std::to_string(result.exitCode) +
                             ")\n" + result.out + result.err + "--- " + logFile() + ":\n" + readAll(logFile()));
  }
  // Runs as the cluster's owner, in the cluster's dir (the owner may not be allowed in ours).
  ProcessResult runAsOwner(const std::string& executable, std::vector<std::string> args) const {
    if (::geteuid() != 0) return runProcess(executable, args, {}, dir_.path());
    args.insert(args.begin(), {"-u", "postgres", "--", executable});
    return runProcess("/usr/sbin/runuser", args, {}, dir_.path());
  }

  // The port is found by binding port 0 and letting go; another process may take it in between,
  // so a start that loses that race is tried again on a new port.
  void start() {
    for (int attempt = 1;; ++attempt) {
      port_ = Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0)).address().port();
      const ProcessResult result = runAsOwner(
          program("pg_ctl"), {"start", "-w", "-D", dataDir(), "-l", logFile(), "-o", "-p " + std::to_string(port_)});
      if (result.exitCode == 0) return;
      if (attempt == 3 || readAll(logFile()).find("Address already in use") == std::string::npos)
        check("pg_ctl start", result);
    }
  }
  // Immediate: no checkpoint, the data is thrown away. Harmless when the server is not running
  // (a failed start may have left one behind, so the constructor stops on every failure).
  void stop() noexcept {
    try {
      runAsOwner(program("pg_ctl"), {"stop", "-w", "-m", "immediate", "-D", dataDir()});
    } catch (...) {
    }
  }

  TempDir dir_;  // holds data/, the socket, server.log and the TLS files
  std::string caFile_;
  int port_ = 0;
};

}  // namespace evalbridge::test
