#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, replays every regression input in
# tests/data/fuzz-regressions/, then fuzzes each target for a bounded time starting from the seeds
# (fuzz/seeds/) and the regression inputs. A crash leaves its input as fuzz/crash-* and fails the
# script: once fixed, copy the input into tests/data/fuzz-regressions/<target>/ so the normal
# build replays it (tests/test_fuzz_regressions.cpp).
#   FUZZ_SECONDS  total fuzzing time, split between the targets (default 60)
#   FUZZ_BUILD_DIR  build folder (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
targets=(export_result mapping)
per_target=$(( seconds / ${#targets[@]} ))

"$root/scripts/install-packages.sh" cmake make clang libclang-rt-14-dev libpoco-dev libsqlite3-dev libpq-dev libsimdjson-dev
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DEVALBRIDGE_FUZZ=ON -DEVALBRIDGE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_export_result fuzz_mapping

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for target in "${targets[@]}"; do
  regressions="$root/tests/data/fuzz-regressions/${target//_/-}"
  seeds="$root/fuzz/seeds/${target//_/-}"
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  echo "=== fuzz_$target: replaying $(ls "$regressions" | wc -l) regression input(s)"
  "$build/fuzz/fuzz_$target" -runs=0 "$regressions"/* >/dev/null 2>&1 || "$build/fuzz/fuzz_$target" -runs=0 "$regressions"/*
  echo "=== fuzz_$target: fuzzing for ${per_target} s"
  "$build/fuzz/fuzz_$target" -max_total_time="$per_target" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$root/fuzz/crash-$target-" -print_final_stats=1 "$corpus" "$seeds" "$regressions" 2>&1 |
    grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)" || true
  if ls "$root"/fuzz/crash-"$target"-* >/dev/null 2>&1; then
    echo "fuzz_$target found a failing input: $(ls "$root"/fuzz/crash-"$target"-*)" >&2
    exit 1
  fi
done
echo "fuzzing: no failure"
