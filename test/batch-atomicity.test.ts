/**
 * addAll is atomic for readers on other threads: while a worker overwrites a full ring with
 * batches, the main thread never sees the ring below capacity or a read that ends inside a
 * batch. Runs on the embedded engine, where the worker and the main thread share the ring.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import type { RingbufferConfig } from '../src/index';
import { batchItem } from './helpers/batch-items';
import type { BatchTask } from './helpers/batch-items';
import { backend, startClient, uniqueName } from './helpers/ring';

const WORKER_SCRIPT = path.join(__dirname, 'helpers', 'batch-worker.ts');
// Workers do not inherit `--import tsx` in Node.js 20, so the worker registers tsx itself.
const BOOTSTRAP =
  `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();` +
  `require(${JSON.stringify(WORKER_SCRIPT)});`;

const CAPACITY = 8;
const BATCH_SIZE = 4;
const BATCHES = 20_000;
const ITEM_LENGTH = 2048;
// Bounds the polling loop in time, far above what the worker needs.
const POLL_LIMIT_MS = 20_000;
// size() calls per readMany() call. size() is much cheaper, so it samples the state more often.
const SIZE_POLLS = 64;

type BatchReport = { kind: 'ready' } | { kind: 'added'; lastSequence: number };

test(
  'full ring stays full during addAll',
  {
    timeout: POLL_LIMIT_MS + 10_000,
    skip: backend.kind === 'cluster' ? 'a worker shares a ring only on the embedded engine' : false,
  },
  async (t) => {
    const client = await startClient(t);
    const name = uniqueName('atomic');
    const task: BatchTask = {
      name,
      capacity: CAPACITY,
      batchSize: BATCH_SIZE,
      batches: BATCHES,
      itemLength: ITEM_LENGTH,
      startFlag: new Int32Array(new SharedArrayBuffer(4)),
    };
    const config: RingbufferConfig = { capacity: CAPACITY };
    const ring = await client.getRingbuffer<string>(name, config);
    const fill = Array.from({ length: CAPACITY }, (_, i) => batchItem(task, i));
    assert.equal(await ring.addAll(fill), CAPACITY - 1);

    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: task });
    t.after(() => worker.terminate());
    const reports: BatchReport[] = [];
    let failure: Error | undefined;
    worker.on('message', (report: BatchReport) => reports.push(report));
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (!reports.some((report) => report.kind === 'added')) {
        failure ??= new Error(`worker exited with code ${code} before reporting`);
      }
    });

    const deadline = Date.now() + POLL_LIMIT_MS;
    while (reports.length === 0 && failure === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(failure, undefined);
    assert.deepEqual(reports.shift(), { kind: 'ready' });

    Atomics.store(task.startFlag, 0, 1);
    Atomics.notify(task.startFlag, 0);
    const sizes = new Map<number, number>();
    const readCounts = new Map<number, number>();
    const readsEndingInBatch: number[] = [];
    let polls = 0;
    let readsDuringAppends = 0;
    while (reports.length === 0 && failure === undefined && Date.now() < deadline) {
      for (let i = 0; i < SIZE_POLLS; i++) {
        const size = await ring.size();
        sizes.set(size, (sizes.get(size) ?? 0) + 1);
      }
      const result = await ring.readMany(0, 0, CAPACITY);
      readCounts.set(result.size(), (readCounts.get(result.size()) ?? 0) + 1);
      polls += 1;
      // The ring calls resolve without a macrotask, so let the worker's report arrive.
      if (polls % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (result.size() === 0) continue;

      const last = result.getSequence(result.size() - 1)!;
      if ((last - (CAPACITY - 1)) % BATCH_SIZE !== 0) readsEndingInBatch.push(last);
      if (last >= CAPACITY) readsDuringAppends += 1;
      for (let i = 0; i < result.size(); i++) {
        const sequence = result.getSequence(i)!;
        assert.equal(result.get(i), batchItem(task, sequence), `item at sequence ${sequence}`);
      }
    }

    assert.equal(failure, undefined);
    assert.deepEqual(reports.shift(), {
      kind: 'added',
      lastSequence: CAPACITY - 1 + BATCHES * BATCH_SIZE,
    });
    assert.ok(readsDuringAppends > 0, `no read saw a batch of the worker in ${polls} polls`);
    assert.deepEqual([...sizes], [[CAPACITY, polls * SIZE_POLLS]], 'size() during appends');
    assert.deepEqual([...readCounts], [[CAPACITY, polls]], 'readMany() sizes');
    assert.deepEqual(readsEndingInBatch, [], 'readMany() that ended inside a batch');
  },
);
