#pragma once
// Member names for what the sources attach to an evaluation object they built themselves: its
// raw text (EvaluationProjection.h), the skip code its projection decided, the wrapper of a
// malformed record (MalformedEntry.h). Each name ends in a random suffix drawn once per process,
// so a document parsed from outside (an evaluation file for `map`, a raw record for `ledger
// replay`) can never carry one and pass for something the bridge decided.
#include <string>

namespace evalbridge {

enum class PrivateMember { ProjectedFrom, SkippedAs, MalformedRaw, MalformedReason };

// The member's name, e.g. "__evalbridgeSkippedAs.6f1c…"; built on first use, whatever order the
// program's statics are built in.
const std::string& privateMemberName(PrivateMember member);

}  // namespace evalbridge
