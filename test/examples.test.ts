/**
 * Every example in examples/ runs as a child process, exits 0 by itself and prints the
 * line that shows what it demonstrates.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.join(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');
/** An example that has not exited by then is killed, so a hang fails its test. */
const RUN_TIMEOUT_MS = 30_000;

/** The key output line of each example. */
const EXPECTED: Record<string, RegExp[]> = {
  'basic-operations.ts': [
    /^new ring: capacity=3 size=0 head=0 tail=-1$/m,
    /^after 4 adds: size=3 head=1 tail=3$/m,
    /^readOne\(1\) = "beta"$/m,
    /^readOne\(0\) rejects with RINGCAST_STALE_SEQUENCE: the oldest sequence is 1$/m,
  ],
  'batch-read-cursor.ts': [
    /^page 1: sequences 0\.\.3 ids 1000,1001,1002,1003$/m,
    /^page 3: sequences 8\.\.9 ids 1008,1009$/m,
    /^read all 10 orders; total amount 275; next cursor 10$/m,
  ],
  'overflow-policies.ts': [
    /^OVERWRITE: 5 items into capacity 3 -> head=2 tail=4, oldest left "e3"$/m,
    /^FAIL with timeToLiveSeconds=60: remainingCapacity=0, add returned -1, size still 3$/m,
    /^FAIL addAll of 2 items is all-or-nothing: returned -1$/m,
    /^OVERWRITE on the same ring: add returned 3, head moved to 1$/m,
  ],
  'producer-consumer.ts': [
    /^consumer woke up with \d+ event\(s\) from sequence 0$/m,
    /^stream ended after sequence 6: 3 clicks$/m,
  ],
  'audit-log.ts': [
    /^with 30 events, the last 100 are 30 events$/m,
    /^after 2,530 events the log keeps sequences 1530\.\.2529$/m,
    /^last 100 events: update #2430 \(2024-01-01T00:40:30\.000Z\) \.\. update #2529 by ana$/m,
  ],
  'durable-subscriber.ts': [
    /^first run handled orders 1,2,3; stored sequence 2$/m,
    /^restart at sequence 3 handled orders 4,5,6,7,8$/m,
    /^billed 8 of 8 orders, each exactly once: total 360; the live listener saw 8$/m,
  ],
  'blocking-worker.ts': [/^worker received 1000 readings, lost 0, sum 24500 \(expected 24500\)$/m],
  'time-series-window.ts': [
    /^window covers seconds 90\.\.149 \(60 samples\)$/m,
    /^cpu min \d+%, mean \d+\.\d%, max \d+%$/m,
  ],
};

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runExample(file: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(EXAMPLES, file)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

test('every example has expectations', () => {
  const files = readdirSync(EXAMPLES).filter((name) => name.endsWith('.ts')).sort();
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
});

for (const [file, patterns] of Object.entries(EXPECTED)) {
  test(`example ${file}`, async () => {
    const result = await runExample(file);
    assert.equal(result.status, 0, `exit status; stderr: ${result.stderr}`);
    assert.equal(result.stderr, '', 'stderr');
    for (const pattern of patterns) {
      assert.match(result.stdout, pattern);
    }
  });
}
