#pragma once

namespace evalbridge {

// Raises this process's soft limit on open files to its hard limit. A login shell's soft limit is
// often 1024 while the hard one is far higher, and `run` holds a socket for each org's
// notification channel and keep-alive connections, beside the ledger's files and the health
// checks' sockets: at the soft limit, requests would fail and health checks be refused. Nothing
// in the bridge uses select() (which breaks past FD_SETSIZE): Poco, SQLite and libpq poll.
// Quiet when the kernel refuses: the limit then stays as it was. (The systemd unit denies the
// @resources syscalls, setrlimit among them; glibc calls prlimit64, which @default allows, and
// the unit's LimitNOFILE sets both limits alike, so there is nothing to raise there.)
void raiseOpenFilesLimit();

}  // namespace evalbridge
