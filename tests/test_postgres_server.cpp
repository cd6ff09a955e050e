// The test PostgreSQL server itself (tests/support/PostgresServer.h), checked with the real `psql`
// client: the ledger's PostgreSQL tests rely on its password, socket and TLS set-up being what it
// claims (a TCP login that works without the password would make their auth tests meaningless).
#include <catch2/catch.hpp>

#include "support/PostgresServer.h"

using evalbridge::test::PostgresServer;
using evalbridge::test::ProcessResult;
using evalbridge::test::runProcess;

namespace {

// One statement through psql as a client: -X ignores any ~/.psqlrc, -w never prompts.
ProcessResult psql(const std::string& url, const std::string& sql, const std::string& password = "") {
  return runProcess(PostgresServer::program("psql"), {"-X", "-w", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql},
                    {{"PGPASSWORD", password}});
}

}  // namespace

TEST_CASE("PostgresServer: TCP login with the role's password, in a database the role owns") {
  PostgresServer server;
  const std::string url = server.createDatabase("ledger");
  CHECK(url == "postgresql://evalbridge@127.0.0.1:" + std::to_string(server.port()) + "/ledger");
  const ProcessResult result = psql(url, "SELECT 1", server.password());
  INFO(result.err);
  REQUIRE(result.exitCode == 0);
  CHECK(result.out == "1\n");
  CHECK(server.runSql("ledger", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'ledger'") ==
        "evalbridge\n");
}

TEST_CASE("PostgresServer: TCP refuses a wrong or missing password") {
  PostgresServer server;
  const std::string url = server.createDatabase("ledger");
  const ProcessResult wrong = psql(url, "SELECT 1", "not-the-password");
  CHECK(wrong.exitCode != 0);
  CHECK_THAT(wrong.err, Catch::Contains("password authentication failed"));
  const ProcessResult missing = psql(url, "SELECT 1");
  CHECK(missing.exitCode != 0);
  CHECK_THAT(missing.err, Catch::Contains("no password supplied"));
}

TEST_CASE("PostgresServer: the Unix socket needs no password") {
  PostgresServer server;
  server.createDatabase("ledger");
  const ProcessResult result = psql(server.socketUrl("ledger"), "SELECT current_user || ' ' || current_database()");
  INFO(result.err);
  REQUIRE(result.exitCode == 0);
  CHECK(result.out == "evalbridge ledger\n");
}

TEST_CASE("PostgresServer: with TLS, verify-full against caFile() succeeds for 127.0.0.1 and localhost") {
  PostgresServer server(PostgresServer::Tls::on);
  const std::string url = server.createDatabase("ledger");
  REQUIRE_FALSE(server.caFile().empty());
  const std::string verify = "sslmode=verify-full&sslrootcert=" + server.caFile();
  const std::string usesTls = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    const std::string port = std::to_string(server.port());
    const ProcessResult result =
        psql("postgresql://evalbridge@" + host + ":" + port + "/ledger?" + verify, usesTls, server.password());
    INFO(host << ": " << result.err);
    REQUIRE(result.exitCode == 0);
    CHECK(result.out == "t\n");
  }
  // The check is real: the system's CAs do not vouch for this certificate.
  const ProcessResult untrusted =
      psql(url + "?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt", "SELECT 1", server.password());
  CHECK(untrusted.exitCode != 0);
  CHECK_THAT(untrusted.err, Catch::Contains("certificate verify failed"));
}

TEST_CASE("PostgresServer: two servers at once, each on its own port") {
  PostgresServer first;
  PostgresServer second;
  CHECK(first.port() != second.port());
  CHECK(first.socketDir() != second.socketDir());
  // Each is its own cluster: a database made in one is unknown to the other.
  CHECK(psql(first.createDatabase("only_first"), "SELECT 1", first.password()).exitCode == 0);
  const ProcessResult other = psql("postgresql://evalbridge@127.0.0.1:" + std::to_string(second.port()) + "/only_first",
                                   "SELECT 1", second.password());
  CHECK(other.exitCode != 0);
  CHECK_THAT(other.err, Catch::Contains("does not exist"));
}

TEST_CASE("PostgresServer: stops and removes its files at scope exit") {
  std::string dir;
  int port = 0;
  {
    PostgresServer server;
    dir = server.socketDir();
    port = server.port();
    REQUIRE(Poco::File(dir + "/.s.PGSQL." + std::to_string(port)).exists());
  }
  CHECK_FALSE(Poco::File(dir).exists());
  // Nothing listens on the port any more.
  CHECK(psql("postgresql://evalbridge@127.0.0.1:" + std::to_string(port) + "/postgres", "SELECT 1", "x").exitCode != 0);
}
