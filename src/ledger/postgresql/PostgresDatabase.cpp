#include "ledger/postgresql/PostgresDatabase.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "ledger/LedgerError.h"

namespace evalbridge {
namespace {

// A failure of the server or of one statement, with the SQLSTATE when there is one.
LedgerError postgresError(const std::string& context, PGconn* conn, const PGresult* result) {
  std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state) message += " (SQLSTATE " + std::string(state) + ")";
  return LedgerError(context + ": " + message);
}

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

void ignoreNotice(void*, const char*) {}

// libpq parses the URL (or key=value string) itself: the settings as it will use them.
std::vector<std::pair<std::string, std::string>> connectionSettings(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (!options) {
    // libpq's own message may quote the part it could not read (a password with a stray %, say):
    // it is not shown.
    PQfreemem(error);
    throw LedgerError("ledger.url: libpq cannot read it as a connection URL (the form is "
                      "postgresql://user@host:port/database?sslmode=verify-full; a % must be followed by two hex "
                      "digits; the password belongs in ledger.password)");
  }
  std::vector<std::pair<std::string, std::string>> settings;
  for (PQconninfoOption* option = options; option->keyword; ++option)
    if (option->val) settings.emplace_back(option->keyword, option->val);
  PQconninfoFree(options);
  return settings;
}

std::string setting(const std::vector<std::pair<std::string, std::string>>& settings, const std::string& key) {
  for (const auto& [name, value] : settings)
    if (name == key) return value;
  return {};
}

bool isLoopbackHost(const std::string& host) {
  return host.empty() || host.front() == '/' || host.front() == '@' || host == "localhost" ||
         host.rfind("127.", 0) == 0 || host == "::1";
}

// Every host the URL names must be loopback or a Unix socket, or the server must be verified.
void requireVerifiedTls(const std::string& url) {
  const auto settings = connectionSettings(url);
  const std::string sslmode = setting(settings, "sslmode");
  if (sslmode == "verify-full" || sslmode == "verify-ca") return;
  std::string hosts = setting(settings, "host") + "," + setting(settings, "hostaddr");
  size_t start = 0;
  while (start <= hosts.size()) {
    size_t end = hosts.find(',', start);
    if (end == std::string::npos) end = hosts.size();
    const std::string host = hosts.substr(start, end - start);
    if (!isLoopbackHost(host)) {
      throw LedgerError("ledger.url: host " + host + " is not loopback, so the connection must verify the server: add " +
                        "sslmode=verify-full (with sslrootcert=<CA file> unless the CA is in ~/.postgresql/root.crt)" +
                        (sslmode.empty() ? std::string() : "; sslmode=" + sslmode + " does not verify it"));
    }
    start = end + 1;
  }
}

class PostgresStatement : public PreparedStatement {
 public:
  PostgresStatement(PostgresDatabase& db, std::string name, int parameters, long long session)
      : db_(db), name_(std::move(name)), values_(static_cast<size_t>(parameters)), session_(session) {}

  // The connection session it was prepared in: after a reconnect it names nothing.
  long long session() const { return session_; }

  void bindText(int index, const std::string& value) override { slot(index) = value; }
  void bindInteger(int index, std::int64_t value) override { slot(index) = std::to_string(value); }
  void bindNull(int index) override { slot(index).reset(); }

  bool step() override {
    if (!result_) execute();
    return ++row_ < PQntuples(result_.get());
  }
  void reset() override {
    result_.reset();
    row_ = -1;
    for (auto& value : values_) value.reset();
  }
  bool isNull(int column) const override { return PQgetisnull(result_.get(), row_, column) != 0; }
  std::string text(int column) const override {
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<size_t>(PQgetlength(result_.get(), row_, column)));
  }
  // Integers come back as text; a boolean expression (`x IS NOT NULL`) as t/f, read as 1/0 the way
  // SQLite gives it.
  std::int64_t integer(int column) const override {
    const char* value = PQgetvalue(result_.get(), row_, column);
    if (value[0] == 't' && value[1] == '\0') return 1;
    if (value[0] == 'f' && value[1] == '\0') return 0;
    return std::strtoll(value, nullptr, 10);
  }
  int columnCount() const override { return result_ ? PQnfields(result_.get()) : 0; }
  std::string columnName(int column) const override { return PQfname(result_.get(), column); }

 private:
  std::optional<std::string>& slot(int index) {
    if (index < 1 || static_cast<size_t>(index) > values_.size())
      throw LedgerError("ledger: parameter " + std::to_string(index) + " is not in the statement");
    return values_[static_cast<size_t>(index - 1)];
  }

  void execute() {
    std::vector<const char*> pointers;
    for (const auto& value : values_) pointers.push_back(value ? value->c_str() : nullptr);
    PGconn* conn = db_.connection();
    result_.reset(PQexecPrepared(conn, name_.c_str(), static_cast<int>(pointers.size()), pointers.data(), nullptr,
                                 nullptr, 0));
    const ExecStatusType status = result_ ? PQresultStatus(result_.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      LedgerError error = postgresError("ledger: executing statement", conn, result_.get());
      result_.reset();
      throw error;
    }
    db_.setChanges(std::atoi(PQcmdTuples(result_.get())));
    row_ = -1;
  }

  PostgresDatabase& db_;
  std::string name_;
  std::vector<std::optional<std::string>> values_;
  long long session_;
  ResultPtr result_{nullptr, &PQclear};
  int row_ = -1;
};

}  // namespace

std::string postgresPlaceholders(const std::string& sql, int& parameters) {
  std::string out;
  out.reserve(sql.size() + 8);
  parameters = 0;
  int next = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    size_t digits = i + 1;
    while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9') ++digits;
    const int number = digits > i + 1 ? std::atoi(sql.substr(i + 1, digits - i - 1).c_str()) : ++next;
    out += "$" + std::to_string(number);
    if (number > parameters) parameters = number;
    i = digits - 1;
  }
  return out;
}

std::string redactedPostgresUrl(const std::string& url) {
  std::vector<std::pair<std::string, std::string>> settings;
  try {
    settings = connectionSettings(url);
  } catch (const LedgerError&) {
    return "postgresql://(unparsable URL)";
  }
  const std::string user = setting(settings, "user");
  const std::string host = setting(settings, "host");
  const std::string port = setting(settings, "port");
  std::string shown = "postgresql://" + (user.empty() ? std::string() : user + "@");
  shown += host.empty() || host.front() == '/' ? std::string() : host;
  if (!port.empty()) shown += ":" + port;
  shown += "/" + setting(settings, "dbname");
  if (!host.empty() && host.front() == '/') shown += "?host=" + host;
  return shown;
}

PostgresDatabase::PostgresDatabase(const std::string& url, const std::string& password)
    : Database(redactedPostgresUrl(url)) {
  requireVerifiedTls(url);
  // The URL first (expand_dbname), then the password on its own, overriding any in the URL.
  const char* keywords[] = {"dbname", password.empty() ? nullptr : "password", nullptr};
  const char* values[] = {url.c_str(), password.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, 1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    LedgerError error = postgresError("cannot open ledger " + path(), conn_, nullptr);
    PQfinish(conn_);
    conn_ = nullptr;
    throw error;
  }
  // Notices (e.g. "relation already exists, skipping") are not errors and would go to stderr.
  PQsetNoticeProcessor(conn_, ignoreNotice, nullptr);
  exec("SET client_min_messages = warning");
}

PostgresDatabase::~PostgresDatabase() {
  for (auto& [sql, statement] : idle_) delete statement;
  PQfinish(conn_);
}

PGconn* PostgresDatabase::connection() {
  if (PQstatus(conn_) == CONNECTION_OK) return conn_;
  // The server went away (restart, failover): a new session, which has none of the old one's
  // prepared statements. Whatever transaction was open is gone; its statements fail and roll back.
  PQreset(conn_);
  ++session_;
  prepared_.clear();
  for (auto& [sql, statement] : idle_) delete statement;
  idle_.clear();
  if (PQstatus(conn_) != CONNECTION_OK) throw postgresError("ledger " + path() + ": reconnecting", conn_, nullptr);
  PQsetNoticeProcessor(conn_, ignoreNotice, nullptr);
  return conn_;
}

PreparedStatement* PostgresDatabase::take(const std::string& sql) {
  auto found = idle_.find(sql);
  if (found != idle_.end()) {
    PreparedStatement* statement = found->second;
    idle_.erase(found);
    return statement;
  }
  int parameters = 0;
  const std::string text = postgresPlaceholders(sql, parameters);
  auto name = prepared_.find(sql);
  if (name == prepared_.end()) {
    const std::string fresh = "eb" + std::to_string(++nextName_);
    PGconn* conn = connection();
    ResultPtr result(PQprepare(conn, fresh.c_str(), text.c_str(), 0, nullptr), &PQclear);
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK)
      throw postgresError("ledger: preparing statement", conn, result.get());
    name = prepared_.emplace(sql, fresh).first;
  }
  return new PostgresStatement(*this, name->second, parameters, session_);
}

void PostgresDatabase::give(const std::string& sql, PreparedStatement* statement) {
  statement->reset();
  const bool current = static_cast<PostgresStatement*>(statement)->session() == session_;
  if (!current || !idle_.emplace(sql, statement).second) delete statement;
}

void PostgresDatabase::exec(const std::string& sql) {
  std::lock_guard<std::recursive_mutex> lock(mutex());
  PGconn* conn = connection();
  ResultPtr result(PQexec(conn, sql.c_str()), &PQclear);
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
    throw postgresError("ledger " + path(), conn, result.get());
}

void PostgresDatabase::beginWrite() { exec("BEGIN"); }

// synchronous_commit=off: the commit returns before its WAL reaches the disk; a server crash can
// lose the last few hundred milliseconds of such commits, never corrupt anything.
void PostgresDatabase::relaxDurability(bool relaxed) {
  exec(relaxed ? "SET synchronous_commit = off" : "SET synchronous_commit = on");
}

}  // namespace evalbridge
