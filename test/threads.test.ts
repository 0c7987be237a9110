/**
 * What worker threads share and what they do not: every thread's getRingbuffer(name) returns
 * the one process-wide ring, adds in any thread wake reads waiting in any other, and
 * shutdown() ends only the calling thread's client.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';

import { ClientNotActiveError, createClient, ErrorCode } from '../src/index';
import type { RingbufferConfig } from '../src/index';
import { rejectionOf, startClient, stillWaiting, track, uniqueName } from './helpers/ring';
import type { WorkerReport, WorkerScript } from './helpers/blocking-worker';
import { startTsWorker, untilBlocked, WorkerMessages } from './helpers/threads';

const WORKER_SCRIPT = path.join(__dirname, 'helpers', 'blocking-worker.ts');
const WAITS = { timeout: 60_000 };
const CONFIG: RingbufferConfig = { capacity: 8 };

function startWorker(t: TestContext, script: WorkerScript): WorkerMessages {
  const messages = new WorkerMessages(startTsWorker(WORKER_SCRIPT, script));
  t.after(() => messages.worker.terminate());
  return messages;
}

async function nextReport(worker: WorkerMessages): Promise<WorkerReport> {
  return (await worker.next()) as WorkerReport;
}

describe('one ring per name', { concurrency: true }, () => {
  test('every worker opens the same ring', WAITS, async (t) => {
    const name = uniqueName('shared');
    const ring = await (await startClient(t)).getRingbuffer<string>(name, CONFIG);
    await ring.add('main');
    const workers = [0, 1, 2].map((i) =>
      startWorker(t, {
        name,
        steps: [{ kind: 'addAll', items: [`w${i}`], blocking: i === 1 }, { kind: 'state' }],
      }),
    );

    const states: WorkerReport[] = [];
    for (const worker of workers) {
      assert.deepEqual(await nextReport(worker), { kind: 'ready' });
      assert.equal((await nextReport(worker)).kind, 'added');
      states.push(await nextReport(worker));
    }

    const items = [...(await ring.readMany(0, 4, 8))];
    assert.deepEqual(items.slice().sort(), ['main', 'w0', 'w1', 'w2']);
    for (const state of states) {
      assert.equal(state.kind, 'state');
      // Opened without a configuration, yet the ring has the capacity main created it with.
      assert.equal(state.kind === 'state' && state.capacity, CONFIG.capacity);
      assert.equal(state.kind === 'state' && state.head, 0);
    }
  });

  test('worker reads what main added', WAITS, async (t) => {
    const name = uniqueName('shared');
    const ring = await (await startClient(t)).getRingbuffer<unknown>(name, CONFIG);
    const item = { text: 'Stra\u00dfe', big: 2n ** 64n, at: new Date(0) };
    await ring.addAll(['first', item]);
    const worker = startWorker(t, {
      name,
      steps: [
        { kind: 'readOne', sequence: 1, blocking: true },
        { kind: 'readMany', start: 0, min: 2, max: 2 },
      ],
    });
    await nextReport(worker);

    assert.deepEqual(await nextReport(worker), { kind: 'read', value: item });
    const many = await nextReport(worker);
    assert.deepEqual(many.kind === 'readMany' && many.items, ['first', item]);
  });
});

describe('wake-ups across threads', { concurrency: true }, () => {
  test('worker add wakes main reads', WAITS, async (t) => {
    const name = uniqueName('wake');
    const ring = await (await startClient(t)).getRingbuffer<string>(name, CONFIG);
    const one = track(ring.readOne(0));
    const many = track(ring.readMany(0, 2, 8));
    assert.ok(await stillWaiting(one, 20));
    const worker = startWorker(t, {
      name,
      steps: [
        { kind: 'addAll', items: ['a'], blocking: true },
        { kind: 'addAll', items: ['b'], blocking: false },
      ],
    });
    await nextReport(worker);

    assert.equal(await one.promise, 'a');
    assert.deepEqual([...(await many.promise)], ['a', 'b']);
  });

  test('main add wakes worker reads', WAITS, async (t) => {
    const name = uniqueName('wake');
    const ring = await (await startClient(t)).getRingbuffer<string>(name, CONFIG);
    const asyncReader = startWorker(t, {
      name,
      steps: [{ kind: 'readOne', sequence: 0, blocking: false }],
    });
    const blockingReader = startWorker(t, {
      name,
      steps: [{ kind: 'readOne', sequence: 0, blocking: true }],
    });
    await nextReport(asyncReader);
    await nextReport(blockingReader);

    await untilBlocked(name);
    await ring.add('to-both');

    assert.deepEqual(await nextReport(asyncReader), { kind: 'read', value: 'to-both' });
    assert.deepEqual(await nextReport(blockingReader), { kind: 'read', value: 'to-both' });
  });

  test('worker add wakes other worker', WAITS, async (t) => {
    const name = uniqueName('wake');
    await (await startClient(t)).getRingbuffer<string>(name, CONFIG);
    const reader = startWorker(t, {
      name,
      steps: [{ kind: 'readMany', start: 0, min: 1, max: 8 }],
    });
    const writer = startWorker(t, {
      name,
      steps: [
        { kind: 'untilBlocked', count: 1 },
        { kind: 'addAll', items: ['x', 'y'], blocking: true },
      ],
    });
    await nextReport(reader);
    await nextReport(writer);

    const report = await nextReport(reader);
    assert.equal(report.kind, 'readMany');
    assert.deepEqual(report.kind === 'readMany' && report.items, ['x', 'y']);
  });
});

describe('shutdown is per thread', { concurrency: true }, () => {
  test('worker shutdown spares main client', WAITS, async (t) => {
    const name = uniqueName('shutdown');
    const ring = await (await startClient(t)).getRingbuffer<string>(name, CONFIG);
    const waiting = track(ring.readOne(0));
    const worker = startWorker(t, { name, steps: [{ kind: 'shutdown' }, { kind: 'state' }] });
    await nextReport(worker);

    assert.deepEqual(await nextReport(worker), { kind: 'done' });
    const after = await nextReport(worker);
    assert.equal(after.kind === 'failed' && after.code, ErrorCode.CLIENT_NOT_ACTIVE);
    assert.ok(await stillWaiting(waiting, 20));
    await ring.add('still-active');
    assert.equal(await waiting.promise, 'still-active');
  });

  test('main shutdown spares blocked worker', WAITS, async (t) => {
    const name = uniqueName('shutdown');
    const client = await createClient();
    const ring = await client.getRingbuffer<string>(name, CONFIG);
    const ownRead = ring.readOne(0);
    const worker = startWorker(t, {
      name,
      steps: [{ kind: 'readOne', sequence: 0, blocking: true }],
    });
    await nextReport(worker);
    await untilBlocked(name);

    await client.shutdown();
    const ownError = await rejectionOf(ownRead);

    assert.ok(ownError instanceof ClientNotActiveError, `got ${ownError.name}`);
    // The worker is still (or again) in its native wait, not failed by the shutdown.
    await untilBlocked(name);
    const other = await (await startClient(t)).getRingbuffer<string>(name);
    await other.add('after-shutdown');
    assert.deepEqual(await nextReport(worker), { kind: 'read', value: 'after-shutdown' });
  });
});
