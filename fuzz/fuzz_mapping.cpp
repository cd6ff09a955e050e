// libFuzzer target: the mapping loader (Mapping::parse) and applying what it accepts.
#include "FuzzEntryPoints.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  evalbridge::fuzz::mappingFile(data, size);
  return 0;
}
