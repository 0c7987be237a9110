/**
 * The blocking view, `ring.blocking()`: the async API's results and errors in synchronous
 * form, timeouts, the main-thread and OBJECT-ring rules, and blocking reads in workers that
 * adds, destroys and terminations end.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';

import {
  ClientNotActiveError,
  DistributedObjectDestroyedError,
  ErrorCode,
  InMemoryFormat,
  StaleSequenceError,
  TimeoutError,
  WouldBlockForeverError,
} from '../src/index';
import type { RingbufferConfig } from '../src/index';
import type { CodedError } from './helpers/ring';
import { assertMessageNames, openRing, rejectionOf, startClient, uniqueName } from './helpers/ring';
import type { WorkerReport, WorkerScript } from './helpers/blocking-worker';
import { blockedCounter, startTsWorker, untilBlocked, WorkerMessages } from './helpers/threads';

const WORKER_SCRIPT = path.join(__dirname, 'helpers', 'blocking-worker.ts');
const WAITS = { timeout: 60_000 };

/** Returns what `fn` throws. Fails the test when it returns. */
function thrownBy(fn: () => unknown): CodedError {
  let value: unknown;
  try {
    value = fn();
  } catch (error) {
    assert.ok(error instanceof Error, `threw a non-Error: ${String(error)}`);
    return error as CodedError;
  }
  assert.fail(`expected a throw, but it returned ${String(value)}`);
}

/** Starts a worker on `script`; it is terminated when the test ends. */
function startWorker(t: TestContext, script: WorkerScript): WorkerMessages {
  const messages = new WorkerMessages(startTsWorker(WORKER_SCRIPT, script));
  t.after(() => messages.worker.terminate());
  return messages;
}

async function nextReport(worker: WorkerMessages): Promise<WorkerReport> {
  return (await worker.next()) as WorkerReport;
}

describe('blocking view operations', { concurrency: true }, () => {
  test('view is one object per ring', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 4 });

    assert.equal(ring.blocking(), ring.blocking());
    assert.equal(ring.blocking().getName(), ring.getName());
  });

  test('counters match async API', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3, timeToLiveSeconds: 60 });
    const view = ring.blocking();
    await ring.addAll([1, 2, 3, 4]);

    assert.equal(view.capacity(), await ring.capacity());
    assert.equal(view.size(), await ring.size());
    assert.equal(view.headSequence(), await ring.headSequence());
    assert.equal(view.tailSequence(), await ring.tailSequence());
    assert.equal(view.remainingCapacity(), await ring.remainingCapacity());
    assert.deepEqual(
      [view.size(), view.headSequence(), view.tailSequence(), view.remainingCapacity()],
      [3, 1, 3, 0],
    );
  });

  test('add and addAll return sequences', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 4, timeToLiveSeconds: 60 });
    const view = ring.blocking();

    assert.equal(view.add('a'), 0);
    assert.equal(view.addAll(['b', 'c']), 2);
    assert.equal(view.addAll(['d', 'e'], 'FAIL'), -1);
    assert.equal(view.add('d', 'FAIL'), 3);
    assert.deepEqual([...(await ring.readMany(0, 4, 4))], ['a', 'b', 'c', 'd']);
  });

  test('reads return stored items', async (t) => {
    const { ring } = await openRing<{ n: number }>(t, { capacity: 4 });
    const view = ring.blocking();
    await ring.addAll([{ n: 0 }, { n: 1 }, { n: 2 }]);

    const result = view.readMany(1, 1, 4, (item) => item.n !== 1);

    assert.deepEqual(view.readOne(1), { n: 1 });
    assert.deepEqual([...result], [{ n: 2 }]);
    assert.equal(result.getReadCount(), 2);
    assert.equal(result.getSequence(0), 2);
    assert.equal(result.getNextSequenceToReadFrom(), 3);
  });

  test('stale readOne throws', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 2 });
    await ring.addAll([0, 1, 2]);

    const err = thrownBy(() => ring.blocking().readOne(0));

    assert.ok(err instanceof StaleSequenceError, `got ${err.name}`);
    assert.equal(err.headSequence, 1);
  });

  test('readMany clamps stale start', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 2 });
    await ring.addAll([0, 1, 2, 3]);

    const result = ring.blocking().readMany(0, 1, 2);

    assert.deepEqual([...result], [2, 3]);
    assert.equal(result.getNextSequenceToReadFrom() - result.getReadCount() - 0, 2);
  });

  test('blocking add wakes async read', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 4 });

    const read = ring.readOne(0);
    ring.blocking().add('woken');

    assert.equal(await read, 'woken');
  });

  test('calls after shutdown throw', async (t) => {
    const client = await startClient(t);
    const ring = await client.getRingbuffer<number>(uniqueName(), { capacity: 2 });
    const view = ring.blocking();
    await client.shutdown();

    for (const call of [() => view.size(), () => view.add(1), () => view.readOne(0, 0)]) {
      const err = thrownBy(call);
      assert.ok(err instanceof ClientNotActiveError, `got ${err.name}`);
      assert.equal(err.code, ErrorCode.CLIENT_NOT_ACTIVE);
    }
  });

  test('view after destroy sees fresh ring', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 2 });
    const view = ring.blocking();
    view.addAll([1, 2]);
    await ring.destroy();

    assert.equal(view.tailSequence(), -1);
    assert.equal(view.add(3), 0);
  });
});

describe('blocking view validation', { concurrency: true }, () => {
  // Each case calls the async method and the view with the same bad arguments.
  const cases: Array<[string, (ring: any) => unknown]> = [
    ['add(null)', (r) => r.add(null)],
    ['add policy', (r) => r.add(1, 'SOMETIMES')],
    ['addAll([])', (r) => r.addAll([])],
    ['addAll non-array', (r) => r.addAll('abc')],
    ['addAll undefined item', (r) => r.addAll([1, undefined])],
    ['add function', (r) => r.add(() => 1)],
    ['readOne(-1)', (r) => r.readOne(-1)],
    ['readOne(0.5)', (r) => r.readOne(0.5)],
    ['readOne("1")', (r) => r.readOne('1')],
    ['readOne beyond tail', (r) => r.readOne(5)],
    ['readMany start -1', (r) => r.readMany(-1, 0, 1)],
    ['readMany min > max', (r) => r.readMany(0, 2, 1)],
    ['readMany max 0', (r) => r.readMany(0, 0, 0)],
    ['readMany max > capacity', (r) => r.readMany(0, 0, 5)],
    ['readMany filter', (r) => r.readMany(0, 0, 1, 'all')],
  ];
  for (const [label, call] of cases) {
    test(`${label} throws as async rejects`, async (t) => {
      const { ring } = await openRing<number>(t, { capacity: 4 });
      await ring.add(0);

      const rejected = await rejectionOf(Promise.resolve().then(() => call(ring)));
      const thrown = thrownBy(() => call(ring.blocking()));

      assert.equal(thrown.constructor, rejected.constructor);
      assert.equal(thrown.code, rejected.code);
      assert.equal(thrown.message, rejected.message);
      assert.equal(await ring.tailSequence(), 0);
    });
  }

  const timeouts: Array<[unknown, typeof Error]> = [
    ['10', TypeError],
    [null, TypeError],
    [-1, RangeError],
    [1.5, RangeError],
    [NaN, RangeError],
    [Infinity, RangeError],
    [2 ** 31, RangeError],
  ];
  for (const [timeoutMs, type] of timeouts) {
    test(`timeoutMs ${String(timeoutMs)} rejected`, async (t) => {
      const { ring } = await openRing<number>(t, { capacity: 4 });
      const view = ring.blocking();

      const one = thrownBy(() => view.readOne(0, timeoutMs as number));
      const many = thrownBy(() => view.readMany(0, 1, 1, null, timeoutMs as number));

      for (const err of [one, many]) {
        assert.ok(err instanceof type, `got ${err.name}`);
        assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
        assertMessageNames(err, 'timeoutMs', '2147483647');
      }
    });
  }

  test('sequence checked before timeoutMs', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 4 });

    const err = thrownBy(() => ring.blocking().readOne(-1, -1));

    assertMessageNames(err, 'sequence=-1');
  });

  test('filter checked before timeoutMs', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 4 });

    const err = thrownBy(() => ring.blocking().readMany(0, 0, 1, 'x' as never, -1));

    assertMessageNames(err, 'filter="x"');
  });
});

describe('blocking view timeouts', { concurrency: true }, () => {
  test('readOne timeout throws TimeoutError', async (t) => {
    const { ring, name } = await openRing<number>(t, { capacity: 4 });
    await ring.add(0);

    const err = thrownBy(() => ring.blocking().readOne(1, 20));

    assert.ok(err instanceof TimeoutError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.TIMEOUT);
    assert.equal((err as TimeoutError).timeoutMs, 20);
    assertMessageNames(err, 'sequence=1', 'timeoutMs=20', JSON.stringify(name));
  });

  test('readOne zero timeout checks once', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 4 });
    await ring.add(7);

    assert.equal(ring.blocking().readOne(0, 0), 7);
    assert.equal(thrownBy(() => ring.blocking().readOne(1, 0)).code, ErrorCode.TIMEOUT);
  });

  test('readMany timeout returns collected', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 8 });
    await ring.addAll([0, 1]);

    const result = ring.blocking().readMany(0, 3, 8, null, 20);

    assert.deepEqual([...result], [0, 1]);
    assert.equal(result.getReadCount(), 2);
    assert.equal(result.getNextSequenceToReadFrom(), 2);
  });

  test('readMany timeout with nothing', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 8 });
    await ring.addAll([0, 1]);

    const result = ring.blocking().readMany(1, 1, 8, () => false, 0);

    assert.equal(result.size(), 0);
    assert.equal(result.getReadCount(), 1);
    assert.equal(result.getNextSequenceToReadFrom(), 2);
  });

  test('readMany minCount 0 never waits', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 8 });

    const result = ring.blocking().readMany(0, 0, 8);

    assert.equal(result.size(), 0);
    assert.equal(result.getNextSequenceToReadFrom(), 0);
  });
});

describe('blocking view without timeout', { concurrency: true }, () => {
  test('main thread wait throws at once', async (t) => {
    const { ring, name } = await openRing<number>(t, { capacity: 4 });
    const view = ring.blocking();
    await ring.add(0);

    const one = thrownBy(() => view.readOne(1));
    const many = thrownBy(() => view.readMany(0, 2, 4));

    for (const err of [one, many]) {
      assert.ok(err instanceof WouldBlockForeverError, `got ${err.name}`);
      assert.equal(err.code, ErrorCode.WOULD_BLOCK_FOREVER);
      assertMessageNames(err, 'timeoutMs', 'main', 'worker', JSON.stringify(name));
    }
    assertMessageNames(one, 'sequence=1');
    assertMessageNames(many, 'startSequence=0', 'minCount=2');
  });

  test('main thread read of present items', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 4 });
    await ring.addAll([0, 1]);

    assert.equal(ring.blocking().readOne(1), 1);
    assert.deepEqual([...ring.blocking().readMany(0, 2, 4)], [0, 1]);
  });

  test('OBJECT ring wait throws at once', async (t) => {
    const config: RingbufferConfig = { capacity: 4, inMemoryFormat: InMemoryFormat.OBJECT };
    const { ring } = await openRing<object>(t, config);
    const item = { n: 1 };
    await ring.add(item);

    const err = thrownBy(() => ring.blocking().readOne(1));

    assert.equal(ring.blocking().readOne(0), item);
    assert.ok(err instanceof WouldBlockForeverError, `got ${err.name}`);
    assertMessageNames(err, 'inMemoryFormat=OBJECT', 'timeoutMs');
  });

  test('OBJECT ring wait sleeps until timeout', async (t) => {
    const config: RingbufferConfig = { capacity: 4, inMemoryFormat: InMemoryFormat.OBJECT };
    const { ring } = await openRing<number>(t, config);
    await ring.add(0);

    const one = thrownBy(() => ring.blocking().readOne(1, 10));
    const many = ring.blocking().readMany(0, 2, 4, null, 10);

    assert.equal(one.code, ErrorCode.TIMEOUT);
    assert.deepEqual([...many], [0]);
  });
});

describe('blocking reads in workers', { concurrency: true }, () => {
  const config: RingbufferConfig = { capacity: 8 };

  test('main add ends worker readOne', WAITS, async (t) => {
    const name = uniqueName('blocking');
    const ring = await (await startClient(t)).getRingbuffer<string>(name, config);
    const worker = startWorker(t, {
      name,
      config,
      steps: [{ kind: 'readOne', sequence: 0, blocking: true }],
    });
    assert.deepEqual(await nextReport(worker), { kind: 'ready' });

    await untilBlocked(name);
    await ring.add('hello');

    assert.deepEqual(await nextReport(worker), { kind: 'read', value: 'hello' });
  });

  test('batch ends worker readMany', WAITS, async (t) => {
    const name = uniqueName('blocking');
    const ring = await (await startClient(t)).getRingbuffer<string>(name, config);
    const worker = startWorker(t, {
      name,
      config,
      steps: [{ kind: 'readMany', start: 0, min: 3, max: 8 }],
    });
    await nextReport(worker);

    await untilBlocked(name);
    await ring.add('a');
    await ring.addAll(['b', 'c']);

    const report = await nextReport(worker);
    assert.equal(report.kind, 'readMany');
    assert.deepEqual(report.kind === 'readMany' && report.items.slice(0, 3), ['a', 'b', 'c']);
  });

  test('worker readMany timeout returns partial', WAITS, async (t) => {
    const name = uniqueName('blocking');
    const ring = await (await startClient(t)).getRingbuffer<string>(name, config);
    await ring.add('only');
    const worker = startWorker(t, {
      name,
      config,
      steps: [{ kind: 'readMany', start: 0, min: 2, max: 8, timeoutMs: 30 }],
    });
    await nextReport(worker);

    assert.deepEqual(await nextReport(worker), {
      kind: 'readMany',
      items: ['only'],
      sequences: [0],
      next: 1,
      readCount: 1,
    });
  });

  test('destroy ends worker wait', WAITS, async (t) => {
    const name = uniqueName('blocking');
    const ring = await (await startClient(t)).getRingbuffer<string>(name, config);
    const worker = startWorker(t, {
      name,
      config,
      steps: [{ kind: 'readOne', sequence: 0, blocking: true }],
    });
    await nextReport(worker);

    const blocked = blockedCounter(name);
    await untilBlocked(name);
    await ring.destroy();

    const report = await nextReport(worker);
    assert.equal(report.kind, 'failed');
    assert.equal(report.kind === 'failed' && report.name, 'DistributedObjectDestroyedError');
    assert.equal(report.kind === 'failed' && report.code, ErrorCode.OBJECT_DESTROYED);
    assert.equal(blocked(), 0);
  });

  test('overwrite stales worker wait', WAITS, async (t) => {
    const name = uniqueName('blocking');
    const small: RingbufferConfig = { capacity: 2 };
    const ring = await (await startClient(t)).getRingbuffer<number>(name, small);
    const worker = startWorker(t, {
      name,
      config: small,
      steps: [{ kind: 'readOne', sequence: 0, blocking: true }],
    });
    await nextReport(worker);

    await untilBlocked(name);
    await ring.addAll([0, 1, 2, 3]);

    const report = await nextReport(worker);
    assert.equal(report.kind === 'failed' && report.name, StaleSequenceError.name);
  });

  test('worker wait without timeout allowed', WAITS, async (t) => {
    const name = uniqueName('blocking');
    const ring = await (await startClient(t)).getRingbuffer<string>(name, config);
    const worker = startWorker(t, {
      name,
      config,
      steps: [
        { kind: 'readMany', start: 0, min: 1, max: 1 },
        { kind: 'readOne', sequence: 1, blocking: true, timeoutMs: 10 },
      ],
    });
    await nextReport(worker);

    await untilBlocked(name);
    await ring.add('x');

    assert.equal((await nextReport(worker)).kind, 'readMany');
    const timedOut = await nextReport(worker);
    assert.equal(timedOut.kind === 'failed' && timedOut.code, ErrorCode.TIMEOUT);
  });

  test('terminate ends blocked worker', WAITS, async (t) => {
    const name = uniqueName('blocking');
    const ring = await (await startClient(t)).getRingbuffer<string>(name, config);
    const worker = startWorker(t, {
      name,
      config,
      steps: [{ kind: 'readOne', sequence: 0, blocking: true }],
    });
    await nextReport(worker);
    const blocked = blockedCounter(name);
    await untilBlocked(name);

    await worker.worker.terminate();

    assert.equal(blocked(), 0);
    assert.equal(await ring.add('after'), 0);
    assert.equal(await ring.readOne(0), 'after');
  });
});

describe('main thread blocked with timeout', { concurrency: true }, () => {
  test('worker add ends main wait', WAITS, async (t) => {
    const name = uniqueName('blocking');
    const config: RingbufferConfig = { capacity: 4 };
    const ring = await (await startClient(t)).getRingbuffer<string>(name, config);
    const worker = startWorker(t, {
      name,
      config,
      steps: [
        { kind: 'untilBlocked', count: 1 },
        { kind: 'addAll', items: ['from-worker'], blocking: true },
      ],
    });
    await nextReport(worker);

    // The worker adds once this thread is blocked; the timeout only bounds a failure.
    const value = ring.blocking().readOne(0, 30_000);

    assert.equal(value, 'from-worker');
    assert.deepEqual(await nextReport(worker), { kind: 'blocked' });
    assert.deepEqual(await nextReport(worker), { kind: 'added', sequence: 0 });
  });

  test('worker destroy ends main wait', WAITS, async (t) => {
    const name = uniqueName('blocking');
    const config: RingbufferConfig = { capacity: 4 };
    const ring = await (await startClient(t)).getRingbuffer<string>(name, config);
    const worker = startWorker(t, {
      name,
      config,
      steps: [{ kind: 'untilBlocked', count: 1 }, { kind: 'destroy' }],
    });
    await nextReport(worker);

    const err = thrownBy(() => ring.blocking().readMany(0, 1, 4, null, 30_000));

    assert.ok(err instanceof DistributedObjectDestroyedError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.OBJECT_DESTROYED);
  });
});
