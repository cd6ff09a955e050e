#pragma once
// How a sync cycle's outcome is shown: one line per org for people, or JSON.
#include <iosfwd>
#include <vector>

#include "sync/OrgSync.h"

namespace evalbridge {

void printReportsText(const std::vector<OrgSyncReport>& reports, std::ostream& out);
struct PullReport;
struct WriteBackReport;

// The state pull and write-back reports are added when given; exitCode is what the process returns.
void printReportsJson(const std::vector<OrgSyncReport>& reports, std::ostream& out, int exitCode,
                      const PullReport* pull = nullptr, const WriteBackReport* writeBack = nullptr);
// 1 if any org failed, else 3 if anything went to the dead letter, else 0.
int exitCodeFor(const std::vector<OrgSyncReport>& reports);

}  // namespace evalbridge
