/**
 * Rings across worker_threads. A BINARY ring is shared, and an add in one thread wakes the
 * reads waiting in another. An OBJECT ring belongs to the thread that created it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { Worker } from 'node:worker_threads';

import { ErrorCode, InMemoryFormat, StaleSequenceError } from '../src/index';
import type { RingbufferConfig } from '../src/index';
import {
  range,
  rejectionOf,
  startClient,
  stillWaiting,
  track,
  uniqueName,
  WAITS,
} from './helpers/ring';
import type { WorkerReport, WorkerTask } from './helpers/ring-worker';

const WORKER_SCRIPT = path.join(__dirname, 'helpers', 'ring-worker.ts');
// Workers do not inherit `--import tsx` in Node.js 20, so the worker registers tsx itself.
const BOOTSTRAP =
  `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();` +
  `require(${JSON.stringify(WORKER_SCRIPT)});`;

interface RunningWorker {
  /** Resolves with the worker's next report, or rejects if the worker fails or exits first. */
  nextReport(): Promise<WorkerReport>;
  /** Resolves with the exit code once the worker has exited. */
  exited: Promise<number>;
  worker: Worker;
}

/** Starts a worker on `task` and terminates it when the test ends. */
function startWorker(t: TestContext, task: WorkerTask): RunningWorker {
  const worker = new Worker(BOOTSTRAP, { eval: true, workerData: task });
  const reports: WorkerReport[] = [];
  let failure: Error | undefined;
  let wake: () => void = () => {};
  worker.on('message', (report: WorkerReport) => {
    reports.push(report);
    wake();
  });
  worker.on('error', (error) => {
    failure = error;
    wake();
  });
  const exited = new Promise<number>((resolve) => {
    worker.on('exit', (code) => {
      failure ??= new Error(`worker exited with code ${code} before reporting`);
      wake();
      resolve(code);
    });
  });
  t.after(() => worker.terminate());

  async function nextReport(): Promise<WorkerReport> {
    while (reports.length === 0) {
      if (failure !== undefined) {
        throw failure;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    return reports.shift() as WorkerReport;
  }

  return { nextReport, exited, worker };
}

const SHARED: RingbufferConfig = { capacity: 10 };

describe('BINARY ring across workers', { concurrency: true }, () => {
  test('worker add wakes main readOne', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('shared');
    const ring = await client.getRingbuffer<string>(name, SHARED);

    const read = track(ring.readOne(0));
    assert.ok(await stillWaiting(read, 20));
    const worker = startWorker(t, { kind: 'addAll', name, config: SHARED, items: ['hello'] });

    assert.deepEqual(await worker.nextReport(), { kind: 'added', lastSequence: 0 });
    assert.equal(await read.promise, 'hello');
  });

  test('worker addAll wakes main readMany', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('shared');
    const ring = await client.getRingbuffer<string>(name, SHARED);

    const read = ring.readMany(0, 3, 10);
    startWorker(t, { kind: 'addAll', name, config: SHARED, items: ['a', 'b', 'c'] });

    const result = await read;
    assert.deepEqual([...result], ['a', 'b', 'c']);
    assert.equal(result.getSequence(2), 2);
  });

  test('main add wakes worker readOne', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('shared');
    const ring = await client.getRingbuffer<string>(name, SHARED);
    await ring.add('before');

    const worker = startWorker(t, { kind: 'readOne', name, config: SHARED, sequence: 1 });
    assert.deepEqual(await worker.nextReport(), { kind: 'waiting' });
    await ring.add('after');

    assert.deepEqual(await worker.nextReport(), { kind: 'read', value: 'after' });
  });

  test('values cross threads intact', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('shared');
    const ring = await client.getRingbuffer<unknown>(name, SHARED);
    const item = {
      text: 'Stra\u00dfe \uD800',
      big: -(2n ** 70n),
      at: new Date(1_700_000_000_000),
      list: [null, undefined, -0],
    };

    const worker = startWorker(t, { kind: 'addAll', name, config: SHARED, items: [item] });
    await worker.nextReport();

    assert.deepStrictEqual(await ring.readOne(0), item);
  });

  test('ring outlives its worker', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('shared');
    const ring = await client.getRingbuffer<string>(name, SHARED);

    const worker = startWorker(t, { kind: 'addAll', name, config: SHARED, items: ['w'] });
    assert.equal(await worker.exited, 0);

    assert.equal(await ring.readOne(0), 'w');
    assert.equal(await ring.add('m'), 1);
  });

  test('terminated waiting worker harmless', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('shared');
    const ring = await client.getRingbuffer<string>(name, SHARED);

    const worker = startWorker(t, { kind: 'waitForever', name, config: SHARED });
    assert.deepEqual(await worker.nextReport(), { kind: 'waiting' });
    await worker.worker.terminate();
    const read = ring.readOne(0);
    await ring.add('after-exit');

    assert.equal(await read, 'after-exit');
  });
});

describe('BINARY ring concurrency', { concurrency: true }, () => {
  test('main destroy rejects worker read', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('shared');
    const ring = await client.getRingbuffer<string>(name, SHARED);

    const worker = startWorker(t, { kind: 'readOne', name, config: SHARED, sequence: 0 });
    assert.deepEqual(await worker.nextReport(), { kind: 'waiting' });
    await ring.destroy();

    const report = await worker.nextReport();
    assert.ok(report.kind === 'rejected', `worker reported ${report.kind}`);
    assert.equal(report.name, 'DistributedObjectDestroyedError');
    assert.equal(report.code, ErrorCode.OBJECT_DESTROYED);
  });

  test('worker overwrite stales main read', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('shared');
    const config: RingbufferConfig = { capacity: 2 };
    const ring = await client.getRingbuffer<string>(name, config);

    const read = ring.readOne(0);
    startWorker(t, { kind: 'addAll', name, config, items: ['a', 'b', 'c', 'd'] });

    const err = await rejectionOf(read);
    assert.ok(err instanceof StaleSequenceError, `got ${err.name}`);
    assert.equal(err.headSequence, 2);
  });

  // Two workers add batches at the same time while the main thread polls with readMany.
  // Every batch must land contiguous and no read may end inside a batch.
  test('concurrent batches stay whole', WAITS, async (t) => {
    const batches = 2000;
    const batchSize = 10;
    const total = 2 * batches * batchSize;
    const client = await startClient(t);
    const name = uniqueName('shared');
    const config: RingbufferConfig = { capacity: total };
    const ring = await client.getRingbuffer<string>(name, config);
    const startFlag = new Int32Array(new SharedArrayBuffer(4));
    const writers = ['A', 'B'].map((prefix) =>
      startWorker(t, { kind: 'addBatches', name, config, prefix, batches, batchSize, startFlag }),
    );
    for (const writer of writers) {
      assert.deepEqual(await writer.nextReport(), { kind: 'ready' });
    }

    Atomics.store(startFlag, 0, 1);
    Atomics.notify(startFlag, 0);
    const items: string[] = [];
    const readEnds: number[] = [];
    while (items.length < total && readEnds.length < total) {
      const result = await ring.readMany(items.length, 1, 1000);
      items.push(...result);
      readEnds.push(result.getNextSequenceToReadFrom());
    }

    assert.equal(items.length, total);
    assert.deepEqual(readEnds.filter((end) => end % batchSize !== 0), []);
    for (let first = 0; first < total; first += batchSize) {
      const [prefix, start] = items[first].split(':');
      const batch = items.slice(first, first + batchSize);
      const expected = range(Number(start), batchSize).map((n) => `${prefix}:${n}`);
      assert.deepEqual(batch, expected, `batch at sequence ${first}`);
    }
  });
});

describe('OBJECT ring across workers', { concurrency: true }, () => {
  test('worker gets WrongThreadError', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('owned');
    const config: RingbufferConfig = { capacity: 4, inMemoryFormat: InMemoryFormat.OBJECT };
    await client.getRingbuffer(name, config);

    const worker = startWorker(t, { kind: 'open', name, config });

    const report = await worker.nextReport();
    assert.ok(report.kind === 'rejected', `worker reported ${report.kind}`);
    assert.equal(report.name, 'WrongThreadError');
    assert.equal(report.code, ErrorCode.WRONG_THREAD);
    assert.equal(report.isWrongThread, true);
  });

  test('owner thread keeps OBJECT ring', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('owned');
    const config: RingbufferConfig = { capacity: 4, inMemoryFormat: InMemoryFormat.OBJECT };
    const ring = await client.getRingbuffer<{ n: number }>(name, config);
    const item = { n: 1 };
    await ring.add(item);

    const worker = startWorker(t, { kind: 'open', name, config });
    await worker.nextReport();

    assert.equal(await ring.readOne(0), item);
  });
});
