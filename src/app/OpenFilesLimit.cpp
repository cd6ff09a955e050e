#include "app/OpenFilesLimit.h"

#include <sys/resource.h>

#include <fstream>

namespace evalbridge {

void raiseOpenFilesLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlim_t wanted = limit.rlim_max;
  // An unlimited hard limit is still capped by the kernel's fs.nr_open.
  if (wanted == RLIM_INFINITY) {
    unsigned long long kernelMax = 1048576;  // the kernel's default fs.nr_open
    std::ifstream("/proc/sys/fs/nr_open") >> kernelMax;
    wanted = static_cast<rlim_t>(kernelMax);
  }
  if (wanted <= limit.rlim_cur) return;
  limit.rlim_cur = wanted;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace evalbridge
