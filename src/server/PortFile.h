#pragma once
// `run --port-file FILE`: where the server listens, for scripts and tests that start it on port 0.
#include <string>

namespace evalbridge {

// Writes "address\n" to `path`, mode 0600, atomically: into a new file created exclusively next to
// it (O_CREAT|O_EXCL|O_NOFOLLOW, so neither a symlink nor a file planted at that name is
// written through), then renamed over `path`. rename() replaces a symlink at `path` itself and
// never follows it. Throws ConfigError on failure.
void writePortFile(const std::string& path, const std::string& address);

}  // namespace evalbridge
