#!/usr/bin/env bash
# The whole test suite: builds the addon and the TypeScript, runs the C++ core tests
# (plain and under ThreadSanitizer), then the node:test suites against the real addon.
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

echo "== JavaScript tests"
node --import tsx --test test/*.test.ts
