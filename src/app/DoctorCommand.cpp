// Placeholder: `evalbridge doctor` is being built (issue 3); until then it says so and fails.
#include <ostream>

#include "app/Commands.h"

namespace evalbridge {

int runDoctorCommand(const CommandLine&, std::ostream& out) {
  out << "evalbridge doctor is not implemented yet\n";
  return kExitFailure;
}

}  // namespace evalbridge
