#!/usr/bin/env bash
# bench/run.sh: builds evalbridge (Release, in build-bench/) and prints every benchmark figure
# from one run, each on one line beside its ceiling or yardstick: value, ceiling/yardstick,
# ratio, target. See bench/bench.py for the cases and bench/RESULTS.md for the last real run.
#   bench/run.sh [--quick] [bench.py options, e.g. --parts delivery --json FILE]
#   BENCH_BUILD_DIR  build folder (default build-bench)
# Installs what is missing the way scripts/install-packages.sh does (apt-get, sudo when not root):
# the build packages, wrk (the raw ServiceNow ceiling), python3 (orchestration and the
# plain-Python yardstick, standard library only), util-linux (taskset) and postgresql-15 (the
# replicas part: a throwaway cluster shared by replicas).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh cmake make g++ libpoco-dev libsqlite3-dev libpq-dev libsimdjson-dev ca-certificates wrk python3 util-linux \
  postgresql-15
build="${BENCH_BUILD_DIR:-$PWD/build-bench}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DEVALBRIDGE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target evalbridge evalbridge-sim evalbridge-rusage >/dev/null
echo "evalbridge bench, $(date -u +%Y-%m-%dT%H:%M:%SZ): $(nproc) CPU(s) ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), shared with other work;" \
     "ledger on $(df -P "$build" | awk 'NR==2{print $1}'); git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+local changes')"
exec python3 bench/bench.py --build "$build" "$@"
