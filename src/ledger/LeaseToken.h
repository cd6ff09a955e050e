#pragma once
// A lease's fencing token (sync/OrgLeases, ledger/OrgFence.h), as work records it when it begins,
// so that every later check for that work is held to the same lease.

namespace evalbridge {

using LeaseToken = long long;
constexpr LeaseToken kAnyLease = 0;  // no particular lease: whichever is held now (tokens start at 1)
constexpr LeaseToken kNoLease = -1;  // begun while the org was not held: every check refuses it

}  // namespace evalbridge
