#!/usr/bin/env bash
# One command: install what is missing, build, and run the whole test suite through CTest.
set -euo pipefail
# The monitoring tests (tests/deploy/, tests/test_monitoring.cpp) run the real Prometheus,
# promtool and yamllint, and the ledger's tests a real PostgreSQL 15 (a throwaway cluster each
# test process starts on loopback); the demo needs none of them, so only the tests install them.
"$(dirname "${BASH_SOURCE[0]}")/install-packages.sh" prometheus yamllint postgresql-15 openssl
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$build_dir"
ctest --output-on-failure -j"$jobs" --timeout 600
