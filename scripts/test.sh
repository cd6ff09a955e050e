#!/usr/bin/env bash
# One command: install what is missing, build, and run the whole test suite through CTest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$build_dir"
ctest --output-on-failure -j"$jobs" --timeout 600
