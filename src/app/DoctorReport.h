#pragma once
// How doctor's checks are shown: one line per check ("ok" / "FAIL" / "skip") with the fix
// indented below a failure, or one JSON document (--json).
#include <iosfwd>

#include "app/DoctorCheck.h"

namespace evalbridge {

void printDoctorText(const DoctorChecks& checks, std::ostream& out);
void printDoctorJson(const DoctorChecks& checks, std::ostream& out);
// 0 when nothing failed, else 1.
int doctorExitCode(const DoctorChecks& checks);

}  // namespace evalbridge
