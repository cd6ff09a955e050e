// What only the PostgreSQL ledger has: a URL and its TLS rules, a password kept out of every
// name and message, migrations shared by replicas that start together, a connection that comes
// back after the server dropped it. (The ledger's behaviour itself is tested on both backends in
// test_ledger, test_retention and test_incident_state.)
#include <catch2/catch.hpp>

#include <future>
#include <thread>
#include <vector>

#include "ledger/Ledger.h"
#include "ledger/LedgerError.h"
#include "ledger/Migrations.h"
#include "ledger/postgresql/PostgresDatabase.h"
#include "ledger/Statement.h"
#include "support/LedgerBackends.h"
#include "support/PostgresServer.h"

using namespace evalbridge;
using evalbridge::test::PostgresServer;
using evalbridge::test::sharedPostgres;

namespace {

std::string queryText(Database& db, const std::string& sql) {
  Statement query(db, sql);
  return query.step() ? query.text(0) : std::string();
}

std::string withPassword(const std::string& url, const std::string& password) {
  const std::string user = "evalbridge@";
  std::string out = url;
  out.replace(out.find(user), user.size(), "evalbridge:" + password + "@");
  return out;
}

}  // namespace

TEST_CASE("placeholders become PostgreSQL's numbered ones, quoted text untouched", "[postgres]") {
  int parameters = 0;
  CHECK(postgresPlaceholders("a=? AND b='?' AND c=? AND d=\"?\"", parameters) == "a=$1 AND b='?' AND c=$2 AND d=\"?\"");
  CHECK(parameters == 2);
  CHECK(postgresPlaceholders("x=?2 OR y=?1 OR z=?2 LIMIT ?10", parameters) == "x=$2 OR y=$1 OR z=$2 LIMIT $10");
  CHECK(parameters == 10);
}

TEST_CASE("a ledger URL to a remote host must verify the server", "[postgres]") {
  CHECK_THROWS_WITH(PostgresDatabase("postgresql://evalbridge@db.example.com/evalbridge"),
                    Catch::Contains("host db.example.com is not loopback") && Catch::Contains("sslmode=verify-full"));
  CHECK_THROWS_WITH(PostgresDatabase("postgresql://evalbridge@db.example.com/evalbridge?sslmode=require"),
                    Catch::Contains("sslmode=require does not verify it"));
  CHECK_THROWS_WITH(PostgresDatabase("postgresql://evalbridge@127.0.0.1,db.example.com/evalbridge"),
                    Catch::Contains("host db.example.com"));
  CHECK_THROWS_WITH(PostgresDatabase("postgresql://evalbridge@[::1"), Catch::Contains("ledger.url"));
}

TEST_CASE("the ledger over TLS checks the server's certificate", "[postgres]") {
  PostgresServer server(PostgresServer::Tls::on);
  const std::string url = server.createDatabase("tls");
  const std::string localhost = url.substr(0, url.find("127.0.0.1")) + "localhost" + url.substr(url.find("127.0.0.1") + 9);
  PostgresDatabase verified(localhost + "?sslmode=verify-full&sslrootcert=" + server.caFile(), server.password());
  CHECK(queryText(verified, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == "t");
  // The system's CAs did not sign this server's certificate: refused, not silently trusted.
  CHECK_THROWS_WITH(PostgresDatabase(localhost + "?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt",
                                     server.password()),
                    Catch::Contains("certificate verify failed"));
}

TEST_CASE("the ledger's password is in no name and no message", "[postgres]") {
  PostgresServer& server = sharedPostgres();
  const std::string url = server.createDatabase("secrets");
  Ledger ledger(withPassword(url, server.password()));
  CHECK(ledger.path() == url);
  CHECK(ledger.path().find(server.password()) == std::string::npos);
  try {
    Ledger refused(withPassword(url, "wrong-secret-value"));
    FAIL("a wrong password was accepted");
  } catch (const LedgerError& e) {
    CHECK_THAT(e.message(), Catch::Contains("password authentication failed"));
    CHECK(e.message().find("wrong-secret-value") == std::string::npos);
  }
  try {
    Ledger refused(url, "wrong-secret-value");
    FAIL("a wrong password was accepted");
  } catch (const LedgerError& e) {
    CHECK(e.message().find("wrong-secret-value") == std::string::npos);
  }
}

TEST_CASE("replicas opening a new ledger at once apply each migration exactly once", "[postgres]") {
  PostgresServer& server = sharedPostgres();
  const std::string url = server.createDatabase("together");
  std::vector<std::future<int>> replicas;
  for (int i = 0; i < 4; ++i)
    replicas.push_back(std::async(std::launch::async, [&] { return Ledger(url, server.password()).schemaVersion(); }));
  const int newest = postgresMigrations().back().version;
  for (auto& replica : replicas) CHECK(replica.get() == newest);
  PostgresDatabase db(url, server.password());
  CHECK(queryText(db, "SELECT COUNT(*) FROM schema_migrations") == std::to_string(postgresMigrations().size()));
}

TEST_CASE("both backends carry the same schema versions", "[postgres][migrations]") {
  REQUIRE(sqliteMigrations().size() == postgresMigrations().size());
  for (size_t i = 0; i < sqliteMigrations().size(); ++i) {
    CHECK(sqliteMigrations()[i].version == postgresMigrations()[i].version);
    CHECK(sqliteMigrations()[i].name == postgresMigrations()[i].name);
  }
}

TEST_CASE("a connection the server dropped is opened again", "[postgres]") {
  PostgresServer& server = sharedPostgres();
  const std::string url = server.createDatabase("dropped");
  Ledger ledger(url, server.password());
  ledger.setCheckpoint("org-1", "acme", "2026-11-01T00:00:00Z");
  server.runSql("dropped", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'dropped'"
                           " AND pid <> pg_backend_pid()");
  // The statement that meets the dead connection fails (its transaction, if any, is gone);
  // the next one runs on a new connection.
  try {
    ledger.checkpoint("org-1");
  } catch (const LedgerError&) {
  }
  CHECK(ledger.checkpoint("org-1") == std::optional<std::string>("2026-11-01T00:00:00Z"));
}
