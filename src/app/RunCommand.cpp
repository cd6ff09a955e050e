// Placeholder: `evalbridge run` (the daemon) is being built (issue 5); until then it says so and fails.
#include <ostream>

#include "app/Commands.h"

namespace evalbridge {

int runRunCommand(const CommandLine&, std::ostream& out) {
  out << "evalbridge run is not implemented yet\n";
  return kExitFailure;
}

}  // namespace evalbridge
