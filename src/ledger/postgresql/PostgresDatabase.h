#pragma once
// The shared ledger: one libpq connection to PostgreSQL (ledger.url). Statements are written with
// SQLite's `?`/`?N` placeholders and prepared here as `$N`; every parameter is sent as text and
// typed by the server from its use, so one SQL text serves both engines.
//
// TLS: libpq verifies the server when the URL says sslmode=verify-full (or verify-ca). A URL whose
// host is not loopback or a Unix socket must say so: anything weaker sends the ledger (and the
// password) over a connection that an attacker in the path could read or impersonate.
#include <string>
#include <unordered_map>

#include "ledger/Database.h"

struct pg_conn;

namespace evalbridge {

class PostgresDatabase : public Database {
 public:
  explicit PostgresDatabase(const std::string& url, const std::string& password = "");
  ~PostgresDatabase() override;

  LedgerBackend backend() const override { return LedgerBackend::Postgres; }
  void exec(const std::string& sql) override;
  int changes() const override { return changes_; }
  void beginWrite() override;
  void relaxDurability(bool relaxed) override;
  PreparedStatement* take(const std::string& sql) override;
  void give(const std::string& sql, PreparedStatement* statement) override;

  // Used by this backend's statements: the connection (re-opened if the server dropped it) and
  // where the last statement's affected-row count goes.
  pg_conn* connection();
  void setChanges(int changes) { changes_ = changes; }

 private:
  pg_conn* conn_ = nullptr;
  int changes_ = 0;
  long long nextName_ = 0;
  long long session_ = 0;  // counts reconnects
  // Server-side prepared statement name per SQL text; a reconnect starts a new session without them.
  std::unordered_map<std::string, std::string> prepared_;
  std::unordered_map<std::string, PreparedStatement*> idle_;
};

// `sql` with `?N` as `$N` and each bare `?` numbered in order, outside quotes; sets `parameters`
// to the highest number used.
std::string postgresPlaceholders(const std::string& sql, int& parameters);

// The URL as it may be printed: user, host, port and database, never the password.
std::string redactedPostgresUrl(const std::string& url);

}  // namespace evalbridge
