#!/usr/bin/env bash
# A short run of the benchmark, so that a change that breaks a scenario, a peer or the
# start of a server fails the tests. It measures nothing worth reporting: one round of
# the quick variant, written to .cache/bench-smoke. Fails when any contender did not run.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.cache/bench-smoke
rm -rf "$out"
mkdir -p .cache
# The scenarios load the library from dist/, as npm run bench does.
[ -f dist/index.js ] || npm run build:ts --silent
node --import tsx bench/run.ts --only "${RINGCAST_SMOKE_SCENARIOS:-producer-consumer,threads,cluster}" \
  --quick --rounds 1 --no-profile --out "$out" >"$out.log" 2>&1 || {
  tail -n 40 "$out.log"
  echo "bench smoke run failed; the whole log is in $out.log" >&2
  exit 1
}
node -e '
const results = require(process.argv[1]);
const failed = [];
let ran = 0;
for (const scenario of results.scenarios) {
  for (const result of scenario.cases) {
    for (const contender of result.contenders) {
      if (contender.status === "ok") ran++;
      else failed.push(`${scenario.id}/${result.id}: ${contender.label}: ${contender.status}` +
        (contender.reason ? ` (${contender.reason})` : ""));
    }
  }
}
if (failed.length > 0 || ran === 0) {
  console.error(`bench smoke run: ${failed.length} contender(s) did not run:\n` + failed.join("\n"));
  process.exit(1);
}
console.log(`bench smoke run: ${ran} measurements, every contender ran`);
' "$PWD/$out/results.json"
