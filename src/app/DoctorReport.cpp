#include "app/DoctorReport.h"

#include <iomanip>
#include <ostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "app/Commands.h"

namespace evalbridge {
namespace {

const char* statusWord(DoctorCheck::Status status) {
  switch (status) {
    case DoctorCheck::Status::Ok: return "ok";
    case DoctorCheck::Status::Fail: return "FAIL";
    case DoctorCheck::Status::Skipped: return "skip";
  }
  return "?";
}

}  // namespace

void printDoctorText(const DoctorChecks& checks, std::ostream& out) {
  std::string subject;
  int failed = 0;
  for (const auto& check : checks) {
    if (check.subject != subject) {
      subject = check.subject;
      out << subject << "\n";
    }
    out << "  " << std::left << std::setw(6) << statusWord(check.status) << check.name << ": " << check.detail << "\n";
    if (check.status == DoctorCheck::Status::Fail) {
      ++failed;
      out << "        fix: " << check.fix << "\n";
    }
  }
  if (failed == 0)
    out << "all " << checks.size() << " checks passed\n";
  else
    out << failed << " of " << checks.size() << " checks failed\n";
}

void printDoctorJson(const DoctorChecks& checks, std::ostream& out) {
  Poco::JSON::Array list;
  for (const auto& check : checks) {
    Poco::JSON::Object item(Poco::JSON_PRESERVE_KEY_ORDER);
    item.set("subject", check.subject);
    item.set("check", check.name);
    item.set("status", check.status == DoctorCheck::Status::Fail ? "fail" : statusWord(check.status));
    item.set("detail", check.detail);
    if (check.status == DoctorCheck::Status::Fail) item.set("fix", check.fix);
    list.add(item);
  }
  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("ok", doctorExitCode(checks) == kExitOk);
  root.set("exitCode", doctorExitCode(checks));
  root.set("checks", list);
  root.stringify(out, 2);
  out << "\n";
}

int doctorExitCode(const DoctorChecks& checks) {
  for (const auto& check : checks)
    if (check.status == DoctorCheck::Status::Fail) return kExitFailure;
  return kExitOk;
}

}  // namespace evalbridge
