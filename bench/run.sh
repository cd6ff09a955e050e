#!/usr/bin/env bash
# Builds evalbridge and the bench in Release and prints the figures of issue 4:
#   incidents/s at (concurrency 8, 20 ms) and (32, 2 ms) with their ratio to the ideal,
#   records/s and peak RSS for a 200,000-evaluation export of which 1% match.
#   BENCH_BUILD_DIR  build folder (default build-bench);  --quick  smaller runs, for a smoke test
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BENCH_BUILD_DIR:-$PWD/build-bench}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DEVALBRIDGE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target evalbridge evalbridge-sim evalbridge-bench >/dev/null
echo "evalbridge bench ($(nproc) CPU(s); ledger on $(df -P "$build" | awk 'NR==2{print $1}'))"
"$build/bench/evalbridge-bench" "$build/evalbridge" "$build/evalbridge-sim" "$@"
