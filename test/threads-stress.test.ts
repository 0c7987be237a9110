/**
 * Stress across worker threads on one small ring: producers that add with add, addAll and
 * the blocking view, and consumers that follow with async readMany, blocking readMany,
 * blocking readOne and a consumer that falls behind on purpose. Every item read must be the
 * one stored at its sequence, whole, in order, once; loss must occur only where the cursor
 * arithmetic reports it. A second test terminates workers in the middle of reads and adds
 * in a child process, which must stay healthy and exit normally.
 *
 * `npm test` runs a short variant of a few seconds. RINGCAST_STRESS_SECONDS=N lets the
 * producers run for N seconds instead (capped at 5,000,000 items each).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

import { uniqueName } from './helpers/ring';
import type {
  ConsumerKind,
  ProducerKind,
  StressReport,
  StressTask,
} from './helpers/stress-worker';
import { startTsWorker, WorkerMessages } from './helpers/threads';

const WORKER_SCRIPT = path.join(__dirname, 'helpers', 'stress-worker.ts');
const TERMINATE_CHILD = path.join(__dirname, 'helpers', 'terminate-child.ts');

function stressSeconds(): number {
  const text = process.env.RINGCAST_STRESS_SECONDS;
  if (text === undefined || text === '') return 0;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw new Error(`RINGCAST_STRESS_SECONDS=${text} is invalid; expected seconds, 1 to 86400`);
  }
  return seconds;
}

const SECONDS = stressSeconds();
const ITEMS_PER_PRODUCER = SECONDS > 0 ? 5_000_000 : 2_000;
/** Small, so that producers lap slow consumers. */
const CAPACITY = 64;
/** Time for worker start-up and the consumers to drain, beyond the producers' time. */
const MARGIN_MS = 90_000;
const PRODUCERS: ProducerKind[] = ['add', 'addAll', 'blockingAddAll'];
const CONSUMERS: ConsumerKind[] = ['asyncMany', 'blockingMany', 'blockingOne', 'lagging'];

type Produced = Extract<StressReport, { kind: 'produced' }>;
type Consumed = Extract<StressReport, { kind: 'consumed' }>;

async function finalReport(worker: WorkerMessages): Promise<StressReport> {
  const report = (await worker.next()) as StressReport;
  if (report.kind === 'error') assert.fail(`worker failed: ${report.message}`);
  return report;
}

test('producers and consumers agree', { timeout: SECONDS * 1000 + 2 * MARGIN_MS }, async (t) => {
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const now = Date.now();
  const base = {
    ring: uniqueName('stress'),
    capacity: CAPACITY,
    producers: PRODUCERS.length,
    itemsPerProducer: ITEMS_PER_PRODUCER,
    produceUntil: now + (SECONDS > 0 ? SECONDS * 1000 : MARGIN_MS),
    giveUpAt: now + SECONDS * 1000 + MARGIN_MS,
    flags,
  };
  const tasks: StressTask[] = [
    ...PRODUCERS.map((kind, index) => ({ ...base, role: 'producer' as const, kind, index })),
    ...CONSUMERS.map((kind, index) => ({ ...base, role: 'consumer' as const, kind, index })),
  ];
  const workers = tasks.map((task) => new WorkerMessages(startTsWorker(WORKER_SCRIPT, task)));
  t.after(() => Promise.all(workers.map((worker) => worker.worker.terminate())));
  for (const worker of workers) assert.deepEqual(await worker.next(), { kind: 'ready' });

  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
  const reports = await Promise.all(workers.map(finalReport));
  const produced = reports.slice(0, PRODUCERS.length) as Produced[];
  const consumed = reports.slice(PRODUCERS.length) as Consumed[];

  // Every add got its own sequence, and together they fill 0 .. total - 1.
  const total = produced.reduce((sum, report) => sum + report.sequences.length, 0);
  const stored = new Float64Array(total).fill(NaN);
  for (const { sequences, sums } of produced) {
    sequences.forEach((sequence, i) => {
      assert.ok(Number.isNaN(stored[sequence]), `sequence ${sequence} assigned twice`);
      stored[sequence] = sums[i];
    });
  }
  assert.equal(stored.findIndex(Number.isNaN), -1, 'a sequence below the tail was not assigned');

  for (const [index, report] of consumed.entries()) {
    const label = `consumer ${index} (${CONSUMERS[index]})`;
    assert.deepEqual(report.failures, [], label);
    assert.equal(report.target, total, `${label} target`);
    assert.equal(report.sequences.length + report.lost, total, `${label} read + lost`);
    const mismatch = report.sequences.findIndex(
      (sequence, i) => stored[sequence] !== report.sums[i],
    );
    assert.equal(mismatch, -1, `${label} read another item than stored`);
  }
  const lagging = consumed[CONSUMERS.indexOf('lagging')];
  assert.ok(lagging.lost > 0, 'the lagging consumer lost nothing, so loss went untested');
});

test('terminated workers leave process healthy', { timeout: 2 * MARGIN_MS }, () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', TERMINATE_CHILD], {
    encoding: 'utf8',
    timeout: MARGIN_MS,
  });

  assert.equal(result.error, undefined, `child failed to run: ${String(result.error)}`);
  assert.equal(result.signal, null, `child killed by ${result.signal}; stderr: ${result.stderr}`);
  assert.equal(result.status, 0, `child exit code; stderr: ${result.stderr}`);
  assert.equal(result.stdout.trim(), 'ok');
});
