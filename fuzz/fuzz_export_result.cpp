// libFuzzer target: the streaming export-result parser (result pages and the download document).
#include "FuzzEntryPoints.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  evalbridge::fuzz::exportResult(data, size);
  return 0;
}
