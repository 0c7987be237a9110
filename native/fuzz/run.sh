#!/usr/bin/env bash
# Builds the libFuzzer targets of this directory with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, seeds them with real encodings made by the built addon, and
# runs each target for a fixed time. Any crash, sanitizer report or failed check stops the
# run with a non-zero exit and leaves the input in .cache/fuzz/artifacts.
#
#   bash native/fuzz/run.sh [SECONDS]
#
# SECONDS per target defaults to $RINGCAST_FUZZ_SECONDS, else 20. The corpus grows across
# runs in .cache/fuzz/corpus-TARGET, so later runs start from what earlier ones found.
# Needs clang (Debian package `clang`) and the addon built (npm run build:native).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-${RINGCAST_FUZZ_SECONDS:-20}}
out=.cache/fuzz
targets=(value_fuzzer frame_fuzzer)

mkdir -p "$out/artifacts"
rm -rf "$out/seeds"
node native/fuzz/make-corpus.js "$out/seeds"

for target in "${targets[@]}"; do
  clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -Wall -Wextra -Werror \
    -I native/include "native/fuzz/$target.cc" -o "$out/$target"
done

for target in "${targets[@]}"; do
  seeds=$out/seeds/${target%_fuzzer}
  corpus=$out/corpus-$target
  mkdir -p "$corpus"
  echo "== fuzz $target for ${seconds}s"
  # -timeout: one input taking 10 s is a hang. The summary lines are kept, the progress
  # lines dropped.
  ASAN_OPTIONS=detect_leaks=1 "$out/$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/$target-" \
    "$corpus" "$seeds" 2>"$out/$target.log" || {
    tail -n 60 "$out/$target.log"
    exit 1
  }
  grep -E '^(Done|stat::number_of_executed_units|INFO: seed corpus)' "$out/$target.log" || true
done
