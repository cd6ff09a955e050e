#!/usr/bin/env bash
# One command: install what is missing, build, and run `evalbridge demo` (the bridge against the
# bundled Genesys Cloud and ServiceNow simulators). Extra arguments go to `evalbridge demo`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec "$build_dir/evalbridge" demo "$@"
