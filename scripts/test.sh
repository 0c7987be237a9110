#!/usr/bin/env bash
# The whole test suite: builds the addon and the TypeScript, runs the C++ core tests
# (plain and under ThreadSanitizer and AddressSanitizer), then the node:test suites against
# the real addon, the addon's thread suites under sanitizers and the fuzz targets, the
# cluster suites on a real Hazelcast member, and a short run of the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build"
npm run build --silent
npm run prebuildify --silent

echo "== C++ core tests"
cmake -S native -B build/core -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/core -j "$jobs" >/dev/null
ctest --test-dir build/core --output-on-failure

echo "== C++ core tests under ThreadSanitizer"
cmake -S native -B build/core-tsan -DRINGCAST_SANITIZE=thread >/dev/null
cmake --build build/core-tsan -j "$jobs" >/dev/null
ctest --test-dir build/core-tsan --output-on-failure

echo "== C++ core tests under AddressSanitizer and UndefinedBehaviorSanitizer"
cmake -S native -B build/core-asan -DRINGCAST_SANITIZE=address >/dev/null
cmake --build build/core-asan -j "$jobs" >/dev/null
ctest --test-dir build/core-asan --output-on-failure

echo "== JavaScript tests"
node --import tsx --test test/*.test.ts

# The addon under AddressSanitizer and ThreadSanitizer, each built in .cache/sanitizers.
bash scripts/test-sanitizers.sh

echo "== Fuzzing the value format and the read frames"
# RINGCAST_FUZZ_SECONDS sets the time per target (default 20).
bash native/fuzz/run.sh

echo "== Cluster backend tests"
# The behaviour suites again on one Hazelcast member, then interoperability with the
# official client and failover on two members. Needs Java 17+ and the member jar from
# scripts/fetch-hazelcast.sh.
bash scripts/fetch-hazelcast.sh
node --import tsx test/cluster/conformance.ts

echo "== Benchmark smoke run"
# One quick round of the workloads with threads and servers (Redis, NATS, a Hazelcast
# member), so that a broken scenario or peer fails here rather than in npm run bench.
bash scripts/bench-smoke.sh
