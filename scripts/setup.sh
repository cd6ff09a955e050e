#!/usr/bin/env bash
# Installs what evalbridge needs on Debian 12 (only what is missing; sudo only when not root),
# then configures and builds. Sourced by demo.sh and test.sh; settings come from the environment:
#   EVALBRIDGE_BUILD_DIR   build folder (default: build)
#   EVALBRIDGE_CMAKE_ARGS  extra CMake arguments (e.g. -DEVALBRIDGE_SANITIZE=ON)
set -euo pipefail
root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${EVALBRIDGE_BUILD_DIR:-$root_dir/build}"
"$root_dir/scripts/install-packages.sh" cmake make g++ libpoco-dev libsqlite3-dev libpq-dev libsimdjson-dev catch2 ca-certificates

jobs="$(nproc 2>/dev/null || echo 2)"
# shellcheck disable=SC2086
cmake -S "$root_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE="${EVALBRIDGE_BUILD_TYPE:-RelWithDebInfo}" ${EVALBRIDGE_CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j"$jobs"
