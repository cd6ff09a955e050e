#!/usr/bin/env bash
# Installs what evalbridge needs on Debian 12 (only what is missing; sudo only when not root),
# then configures and builds. Sourced by demo.sh and test.sh; settings come from the environment:
#   EVALBRIDGE_BUILD_DIR   build folder (default: build)
#   EVALBRIDGE_CMAKE_ARGS  extra CMake arguments (e.g. -DEVALBRIDGE_SANITIZE=ON)
set -euo pipefail
root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${EVALBRIDGE_BUILD_DIR:-$root_dir/build}"
packages=(cmake make g++ libpoco-dev libsqlite3-dev catch2 ca-certificates)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "evalbridge setup: installing ${missing[*]}" >&2
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs="$(nproc 2>/dev/null || echo 2)"
# shellcheck disable=SC2086
cmake -S "$root_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE="${EVALBRIDGE_BUILD_TYPE:-RelWithDebInfo}" ${EVALBRIDGE_CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j"$jobs"
