#pragma once
// One line of `evalbridge doctor`: what was checked, for which subject (an org, ServiceNow, a
// mapping file), whether it passed, what was seen (host, request, request id) and, when it failed,
// the exact fix.
#include <string>
#include <vector>

namespace evalbridge {

struct DoctorCheck {
  enum class Status { Ok, Fail, Skipped };
  std::string subject;  // "org acme-us", "servicenow", "mapping"
  std::string name;     // "login", "org identity", "permission quality:evaluation:view", ...
  Status status = Status::Ok;
  std::string detail;   // what was seen: host, request, status, inin-correlation-id
  std::string fix;      // for failures: what to change, where

  static DoctorCheck ok(std::string subject, std::string name, std::string detail) {
    return {std::move(subject), std::move(name), Status::Ok, std::move(detail), ""};
  }
  static DoctorCheck fail(std::string subject, std::string name, std::string detail, std::string fix) {
    return {std::move(subject), std::move(name), Status::Fail, std::move(detail), std::move(fix)};
  }
  static DoctorCheck skipped(std::string subject, std::string name, std::string why) {
    return {std::move(subject), std::move(name), Status::Skipped, std::move(why), ""};
  }
};

using DoctorChecks = std::vector<DoctorCheck>;

}  // namespace evalbridge
