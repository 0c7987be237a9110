/**
 * The native ring functions called directly, without the TypeScript layer: the process-wide
 * registry, adds and reads, the frame layout of ringReadMany, and wake-ups across worker
 * threads, including a worker that is terminated while it is subscribed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { threadId, Worker } from 'node:worker_threads';

import { ADD_DESTROYED, binding, ReadStatus, WakeReason } from '../src/binding';
import type { RingHandle, RingOpenResult } from '../src/binding';

const BINARY = 0;
const OBJECT = 1;

const PACKAGE_ROOT = path.join(__dirname, '..');
const LOADER = require.resolve('node-gyp-build');

/** Options for tests that wait on other threads or processes, so a hang fails the test. */
const WAITS = { timeout: 60_000 };

/** Upper bound for loops that spin until another thread signals them. */
const SPIN_LIMIT_MS = 20_000;

interface CodedError extends Error {
  code?: string;
}

let nameCounter = 0;

/** Returns a ring name that no other test of this process uses. */
function uniqueName(label: string): string {
  nameCounter += 1;
  return `native-${label}-${process.pid}-${nameCounter}`;
}

/** Opens a BINARY ring that is destroyed when the test `t` ends, even if it fails. */
function openBinary(t: TestContext, name: string, capacity = 16, timeToLiveSeconds = 0) {
  const { handle } = binding.ringOpen(name, capacity, timeToLiveSeconds, BINARY, threadId);
  t.after(() => binding.ringDestroy(handle));
  return handle;
}

/**
 * Subscribes `callback` and ends the subscription when the test `t` ends, so a failed test
 * does not keep the event loop alive. Returns the subscription id.
 */
function subscribe(t: TestContext, handle: RingHandle, callback: (reason: number) => void) {
  const id = binding.ringSubscribe(handle, callback);
  t.after(() => binding.ringUnsubscribe(handle, id));
  return id;
}

function stateOf(handle: RingHandle): { head: number; tail: number; destroyed: boolean } {
  const out = new Float64Array(3);
  binding.ringState(handle, out);
  return { head: out[0], tail: out[1], destroyed: out[2] === 1 };
}

/** Reads one sequence and returns the status and the decoded item. */
function readOne(handle: RingHandle, sequence: number): { status: number; item: unknown } {
  const status = new Int32Array(1).fill(-1);
  const item = binding.ringReadOne(handle, sequence, status);
  return { status: status[0], item };
}

/** Asserts that `fn` throws an error of class `type` with the given `code`. */
function assertThrowsCoded(fn: () => unknown, type: typeof Error, code: string): CodedError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof type, `expected a ${type.name}, got ${String(caught)}`);
  assert.equal((caught as CodedError).code, code);
  return caught as CodedError;
}

interface FrameRecord {
  sequence: number;
  length: number;
  payload: Buffer;
}

interface Frame {
  startSequence: number;
  records: FrameRecord[];
}

/**
 * Parses a ringReadMany frame (little-endian): [int64 startSequence][uint32 count][uint32 0],
 * then per item [int64 sequence][uint32 length][uint32 0] and the payload zero-padded to a
 * multiple of 8 bytes. Asserts the reserved words, the padding and the total length.
 */
function parseFrame(frame: Buffer): Frame {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  assert.ok(frame.byteLength >= 16, `frame.byteLength=${frame.byteLength} holds no header`);
  const startSequence = Number(view.getBigInt64(0, true));
  const count = view.getUint32(8, true);
  assert.equal(view.getUint32(12, true), 0, 'reserved word of the frame header');

  const records: FrameRecord[] = [];
  let offset = 16;
  for (let i = 0; i < count; i++) {
    assert.equal(offset % 8, 0, `record ${i} starts at offset=${offset}`);
    const sequence = Number(view.getBigInt64(offset, true));
    const length = view.getUint32(offset + 8, true);
    assert.equal(view.getUint32(offset + 12, true), 0, `reserved word of record ${i}`);
    const payloadStart = offset + 16;
    const paddedEnd = payloadStart + Math.ceil(length / 8) * 8;
    assert.ok(paddedEnd <= frame.byteLength, `record ${i} ends beyond the frame`);
    const padding = frame.subarray(payloadStart + length, paddedEnd);
    assert.ok(padding.every((byte) => byte === 0), `padding of record ${i} is not zero`);
    const payload = frame.subarray(payloadStart, payloadStart + length);
    records.push({ sequence, length, payload });
    offset = paddedEnd;
  }
  assert.equal(offset, frame.byteLength, 'the frame ends after its last record');
  return { startSequence, records };
}

function decodeRecord(frame: Frame, index: number): unknown {
  const { payload } = frame.records[index];
  return binding.decode(payload, 0, payload.length);
}

/** Records subscription callbacks; `waitFor(n)` resolves once n calls have arrived. */
class WakeRecorder {
  readonly reasons: number[] = [];
  /** Runs inside the callback after the reason is recorded. */
  onCall: ((reason: number) => void) | undefined;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly callback = (reason: number): void => {
    this.reasons.push(reason);
    this.onCall?.(reason);
    const ready = this.waiters.filter((waiter) => this.reasons.length >= waiter.count);
    this.waiters = this.waiters.filter((waiter) => this.reasons.length < waiter.count);
    for (const waiter of ready) {
      waiter.resolve();
    }
  };

  waitFor(count: number): Promise<void> {
    if (this.reasons.length >= count) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

/**
 * Waits two turns of the event loop. A thread-safe call queued before this returns has been
 * delivered by then: uv_async wake-ups are handled in the poll phase, which runs between
 * two check phases.
 */
async function deliverQueuedCalls(): Promise<void> {
  await nextTurn();
  await nextTurn();
}

/** JavaScript that gives a worker or child process `binding` loaded from this package. */
const PREAMBLE = `
const { parentPort, workerData, threadId } = require('node:worker_threads');
const binding = require(${JSON.stringify(LOADER)})(${JSON.stringify(PACKAGE_ROOT)});
`;

/**
 * Exit codes of the workers that startWorker started. The listener is attached at start,
 * because a worker's last message and its 'exit' event can arrive in the same turn.
 */
const workerExits = new WeakMap<Worker, Promise<number>>();

/**
 * Starts a worker that runs PREAMBLE and then `body`, with `workerData` as given. The worker
 * is terminated when the test `t` ends, in case the test failed before it exited.
 */
function startWorker(t: TestContext, body: string, workerData: unknown): Worker {
  const worker = new Worker(PREAMBLE + body, { eval: true, workerData });
  workerExits.set(worker, once(worker, 'exit').then(([code]) => code as number));
  t.after(() => worker.terminate());
  return worker;
}

async function nextMessage(worker: Worker): Promise<unknown> {
  const [message] = await once(worker, 'message');
  return message;
}

/** Waits until `worker` exits and asserts that it exited with code 0. */
async function assertCleanExit(worker: Worker): Promise<void> {
  assert.equal(await workerExits.get(worker), 0, 'worker exit code');
}

/** Runs `script` in a child node process (bounded by a timeout) and returns its result. */
function runChild(script: string, nodeOptions: string[] = []) {
  return spawnSync(process.execPath, [...nodeOptions, '-e', PREAMBLE + script], {
    encoding: 'utf8',
    timeout: WAITS.timeout,
  });
}

function assertChildSucceeded(result: ReturnType<typeof runChild>, expectedOutput: string): void {
  assert.equal(result.error, undefined, `child failed to run: ${String(result.error)}`);
  assert.equal(result.signal, null, `child killed by ${result.signal}; stderr: ${result.stderr}`);
  assert.equal(result.status, 0, `child exit code; stderr: ${result.stderr}`);
  assert.equal(result.stdout.trim(), expectedOutput);
}

describe('ringOpen and the registry', () => {
  test('reopening a name returns the same ring', (t) => {
    const name = uniqueName('reopen');
    const first = binding.ringOpen(name, 8, 30, BINARY, threadId);
    t.after(() => binding.ringDestroy(first.handle));
    const second = binding.ringOpen(name, 8, 30, BINARY, threadId);

    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(binding.ringAdd(first.handle, 'written through the first handle', false), 0);
    assert.deepEqual(readOne(second.handle, 0), {
      status: ReadStatus.OK,
      item: 'written through the first handle',
    });
  });

  test('an existing name returns the stored configuration', (t) => {
    const name = uniqueName('config');
    const first = binding.ringOpen(name, 8, 30, BINARY, threadId, 2, 1);
    t.after(() => binding.ringDestroy(first.handle));
    const other: RingOpenResult = binding.ringOpen(name, 100, 0, OBJECT, 42, 0, 0);

    const { handle: firstHandle, ...firstConfig } = first;
    const { handle: otherHandle, ...otherConfig } = other;
    assert.deepEqual(firstConfig, {
      created: true,
      capacity: 8,
      timeToLiveSeconds: 30,
      format: BINARY,
      ownerThreadId: -1,
      backupCount: 2,
      asyncBackupCount: 1,
    });
    assert.deepEqual(otherConfig, { ...firstConfig, created: false });
    assert.notEqual(otherHandle, firstHandle);
  });

  test('an OBJECT ring records the thread that created it', (t) => {
    const opened = binding.ringOpen(uniqueName('object-owner'), 4, 0, OBJECT, 7);
    t.after(() => binding.ringDestroy(opened.handle));

    assert.equal(opened.format, OBJECT);
    assert.equal(opened.ownerThreadId, 7);
    assert.deepEqual(stateOf(opened.handle), { head: 0, tail: -1, destroyed: false });
  });

  test('item functions reject an OBJECT ring', (t) => {
    const { handle } = binding.ringOpen(uniqueName('object-items'), 4, 0, OBJECT, threadId);
    t.after(() => binding.ringDestroy(handle));
    const calls: Array<[string, () => unknown]> = [
      ['ringAdd', () => binding.ringAdd(handle, 1, false)],
      ['ringAddAll', () => binding.ringAddAll(handle, [1], false)],
      ['ringReadOne', () => binding.ringReadOne(handle, 0, new Int32Array(1))],
      ['ringReadMany', () => binding.ringReadMany(handle, 0, 1, 1024)],
    ];
    for (const [functionName, call] of calls) {
      const error = assertThrowsCoded(call, TypeError, 'RINGCAST_INVALID_ARGUMENT');
      assert.match(error.message, /OBJECT/, functionName);
    }
  });

  test('a non-handle value is a TypeError', (t) => {
    const name = uniqueName('not-a-handle');
    const opened = binding.ringOpen(name, 4, 0, BINARY, threadId);
    t.after(() => binding.ringDestroy(opened.handle));
    const notHandles: unknown[] = [undefined, null, 0, name, {}, opened, Buffer.alloc(8)];
    for (const value of notHandles) {
      const handle = value as RingHandle;
      const calls: Array<() => unknown> = [
        () => binding.ringDestroy(handle),
        () => binding.ringState(handle, new Float64Array(3)),
        () => binding.ringAdd(handle, 1, false),
        () => binding.ringAddAll(handle, [1], false),
        () => binding.ringReadOne(handle, 0, new Int32Array(1)),
        () => binding.ringReadMany(handle, 0, 1, 1024),
        () => binding.ringSubscribe(handle, () => {}),
        () => binding.ringUnsubscribe(handle, 1),
      ];
      for (const call of calls) {
        assertThrowsCoded(call, TypeError, 'RINGCAST_INVALID_ARGUMENT');
      }
    }
    assert.deepEqual(stateOf(opened.handle), { head: 0, tail: -1, destroyed: false });
  });

  test('wrong output arrays are a TypeError', (t) => {
    const handle = openBinary(t, uniqueName('out-arrays'));
    const stateOuts: unknown[] = [new Float64Array(2), new Float32Array(3), [0, 0, 0], null];
    for (const out of stateOuts) {
      assertThrowsCoded(
        () => binding.ringState(handle, out as Float64Array),
        TypeError,
        'RINGCAST_INVALID_ARGUMENT',
      );
    }
    const statusOuts: unknown[] = [new Int32Array(0), new Uint32Array(1), [0]];
    for (const status of statusOuts) {
      assertThrowsCoded(
        () => binding.ringReadOne(handle, 0, status as Int32Array),
        TypeError,
        'RINGCAST_INVALID_ARGUMENT',
      );
    }
  });

  test('open after destroy starts fresh', (t) => {
    const name = uniqueName('destroy');
    const old = openBinary(t, name);
    binding.ringAddAll(old, ['a', 'b', 'c'], false);
    binding.ringDestroy(old);

    // Adds through a destroyed ring's handle store nothing and report it.
    assert.equal(binding.ringAdd(old, 'late', false), ADD_DESTROYED);
    assert.equal(binding.ringAddAll(old, ['late'], false), ADD_DESTROYED);
    const late = binding.encode('late', 'item');
    assert.equal(binding.ringAddEncoded(old, late, 0, late.length, false), ADD_DESTROYED);
    const ends = Uint32Array.of(late.length);
    assert.equal(binding.ringAddAllEncoded(old, late, ends, 1, false), ADD_DESTROYED);
    assert.deepEqual(stateOf(old), { head: 0, tail: 2, destroyed: true });
    const reopened = binding.ringOpen(name, 16, 0, BINARY, threadId);
    t.after(() => binding.ringDestroy(reopened.handle));
    assert.equal(reopened.created, true);
    assert.deepEqual(stateOf(reopened.handle), { head: 0, tail: -1, destroyed: false });
  });

  test('stale handle destroy keeps the new ring', (t) => {
    const name = uniqueName('stale-destroy');
    const old = openBinary(t, name);
    binding.ringDestroy(old);
    const current = openBinary(t, name);
    binding.ringAdd(current, 'kept', false);

    binding.ringDestroy(old);
    const again = binding.ringOpen(name, 16, 0, BINARY, threadId);
    assert.equal(again.created, false);
    assert.deepEqual(stateOf(current), { head: 0, tail: 0, destroyed: false });
    assert.deepEqual(readOne(again.handle, 0), { status: ReadStatus.OK, item: 'kept' });
  });

  test('an OBJECT ring is destroyed when its worker exits', WAITS, async (t) => {
    const name = uniqueName('object-worker');
    const worker = startWorker(
      t,
      `
      const opened = binding.ringOpen(workerData.name, 4, 0, 1, threadId);
      parentPort.postMessage({ created: opened.created, ownerThreadId: opened.ownerThreadId });
      `,
      { name },
    );
    const workerThreadId = worker.threadId;
    const opened = await nextMessage(worker);
    await assertCleanExit(worker);

    assert.deepEqual(opened, { created: true, ownerThreadId: workerThreadId });
    const reopened = binding.ringOpen(name, 4, 0, OBJECT, threadId);
    t.after(() => binding.ringDestroy(reopened.handle));
    assert.equal(reopened.created, true);
    assert.equal(reopened.ownerThreadId, threadId);
  });

  test('collected handles keep the ring registered', () => {
    const script = `
      const name = 'collected-' + process.pid;
      (() => {
        const { handle } = binding.ringOpen(name, 4, 0, 0, 0);
        binding.ringAdd(handle, { kept: true }, false);
      })();
      for (let i = 0; i < 3; i++) global.gc();
      const { handle, created } = binding.ringOpen(name, 4, 0, 0, 0);
      const status = new Int32Array(1);
      const item = binding.ringReadOne(handle, 0, status);
      console.log(JSON.stringify({ created, status: status[0], item }));
    `;
    assertChildSucceeded(
      runChild(script, ['--expose-gc']),
      JSON.stringify({ created: false, status: ReadStatus.OK, item: { kept: true } }),
    );
  });
});

describe('ringAdd, ringAddAll and ringReadOne', () => {
  test('items read back equal to what was added', (t) => {
    const handle = openBinary(t, uniqueName('round-trip'));
    const items: unknown[] = [
      'text',
      -0,
      { nested: { list: [1, 'two', null, undefined] } },
      Buffer.from([0, 1, 254, 255]),
      123n,
      new Date(0),
    ];
    items.forEach((item, index) => {
      assert.equal(binding.ringAdd(handle, item, false), index);
    });
    items.forEach((item, index) => {
      assert.deepEqual(readOne(handle, index), { status: ReadStatus.OK, item });
    });
  });

  test('ringReadOne reports STALE and NOT_YET', (t) => {
    const handle = openBinary(t, uniqueName('statuses'), 2);
    binding.ringAddAll(handle, ['a', 'b', 'c'], false);

    assert.deepEqual(readOne(handle, 0), { status: ReadStatus.STALE, item: undefined });
    assert.deepEqual(readOne(handle, 1), { status: ReadStatus.OK, item: 'b' });
    assert.deepEqual(readOne(handle, 2), { status: ReadStatus.OK, item: 'c' });
    assert.deepEqual(readOne(handle, 3), { status: ReadStatus.NOT_YET, item: undefined });
  });

  test('ringAddAll returns the last of consecutive sequences', (t) => {
    const handle = openBinary(t, uniqueName('add-all'));
    binding.ringAdd(handle, 'first', false);

    assert.equal(binding.ringAddAll(handle, ['x', 'y', 'z'], false), 3);
    assert.deepEqual(
      [1, 2, 3].map((sequence) => readOne(handle, sequence).item),
      ['x', 'y', 'z'],
    );
  });

  test('an item that cannot be encoded stores nothing', (t) => {
    const handle = openBinary(t, uniqueName('bad-item'));
    binding.ringAdd(handle, 'before', false);

    assertThrowsCoded(
      () => binding.ringAdd(handle, () => 'a function', false),
      TypeError,
      'RINGCAST_INVALID_VALUE',
    );
    assert.deepEqual(stateOf(handle), { head: 0, tail: 0, destroyed: false });
  });

  test('ringAddAll with a bad item stores nothing', (t) => {
    const handle = openBinary(t, uniqueName('bad-batch'));
    binding.ringAdd(handle, 'before', false);

    const error = assertThrowsCoded(
      () => binding.ringAddAll(handle, [1, { ok: true }, Symbol('bad'), 4], false),
      TypeError,
      'RINGCAST_INVALID_VALUE',
    );
    assert.match(error.message, /items\[2\]/);
    assert.deepEqual(stateOf(handle), { head: 0, tail: 0, destroyed: false });
    assert.equal(binding.ringAddAll(handle, ['after'], false), 1);
    assert.deepEqual(readOne(handle, 1), { status: ReadStatus.OK, item: 'after' });
  });

  test('ringAddAll rejects an empty array and a non-array', (t) => {
    const handle = openBinary(t, uniqueName('empty-batch'));
    assertThrowsCoded(
      () => binding.ringAddAll(handle, [], false),
      RangeError,
      'RINGCAST_INVALID_ARGUMENT',
    );
    assertThrowsCoded(
      () => binding.ringAddAll(handle, { length: 1, 0: 'x' } as unknown as unknown[], false),
      TypeError,
      'RINGCAST_INVALID_ARGUMENT',
    );
    assert.deepEqual(stateOf(handle), { head: 0, tail: -1, destroyed: false });
  });

  test('FAIL with more items than capacity stores nothing', (t) => {
    const handle = openBinary(t, uniqueName('fail-batch'), 3);
    binding.ringAdd(handle, 'before', true);

    assert.equal(binding.ringAddAll(handle, [1, 2, 3, 4], true), -1);
    assert.deepEqual(stateOf(handle), { head: 0, tail: 0, destroyed: false });
    assert.equal(binding.ringAddAll(handle, [1, 2, 3], true), 3);
  });

  test('add from a getter while encoding', (t) => {
    const handle = openBinary(t, uniqueName('nested-add'));
    const outer = {
      get value() {
        binding.ringAdd(handle, 'inner', false);
        return 'outer';
      },
    };
    const sequence = binding.ringAdd(handle, outer, false);

    assert.equal(sequence, 1);
    assert.deepEqual(readOne(handle, 0), { status: ReadStatus.OK, item: 'inner' });
    assert.deepEqual(readOne(handle, 1), { status: ReadStatus.OK, item: { value: 'outer' } });
  });
});

describe('ringReadMany frames', () => {
  test('frames parse per the documented layout', (t) => {
    const handle = openBinary(t, uniqueName('frame-layout'), 32);
    // Payload lengths around multiples of 8 exercise every padding width.
    const items: unknown[] = [];
    for (let length = 0; length < 20; length++) {
      items.push('x'.repeat(length));
    }
    items.push({ id: 1, tags: ['a', 'b'] }, Buffer.alloc(9, 7), 2n ** 70n, null);
    binding.ringAddAll(handle, items, false);

    const frame = parseFrame(binding.ringReadMany(handle, 0, 1000, 1 << 20));
    assert.equal(frame.startSequence, 0);
    assert.equal(frame.records.length, items.length);
    frame.records.forEach((record, index) => {
      assert.equal(record.sequence, index, `sequence of record ${index}`);
      assert.deepEqual(record.payload, binding.encode(items[index], 'item'));
      assert.deepEqual(decodeRecord(frame, index), items[index]);
    });
  });

  test('the start is clamped into [head, tail + 1]', (t) => {
    const handle = openBinary(t, uniqueName('frame-clamp'), 4);
    binding.ringAddAll(handle, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], false);

    const fromStale = parseFrame(binding.ringReadMany(handle, 0, 100, 1 << 20));
    assert.equal(fromStale.startSequence, 6);
    assert.deepEqual(
      fromStale.records.map((record) => record.sequence),
      [6, 7, 8, 9],
    );
    const pastTail = parseFrame(binding.ringReadMany(handle, 10, 100, 1 << 20));
    assert.equal(pastTail.startSequence, 10);
    assert.equal(pastTail.records.length, 0);
  });

  test('maxCount and maxBytes bound a frame', (t) => {
    const handle = openBinary(t, uniqueName('frame-bounds'), 16);
    const items = ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)];
    binding.ringAddAll(handle, items, false);
    const itemBytes = binding.encode(items[0], 'item').length;

    const byCount = parseFrame(binding.ringReadMany(handle, 0, 2, 1 << 20));
    assert.deepEqual(
      byCount.records.map((record) => record.sequence),
      [0, 1],
    );
    const byBytes = parseFrame(binding.ringReadMany(handle, 0, 16, itemBytes + 1));
    assert.deepEqual(
      byBytes.records.map((record) => record.sequence),
      [0, 1],
    );
    const atLeastOne = parseFrame(binding.ringReadMany(handle, 1, 16, 0));
    assert.equal(atLeastOne.records.length, 1);
    assert.deepEqual(decodeRecord(atLeastOne, 0), items[1]);
  });

  test('frames are independent copies', (t) => {
    const handle = openBinary(t, uniqueName('frame-copy'), 2);
    binding.ringAddAll(handle, ['one', 'two'], false);

    const first = binding.ringReadMany(handle, 0, 2, 1 << 20);
    const second = binding.ringReadMany(handle, 0, 2, 1 << 20);
    const expected = Buffer.from(second);
    first.fill(0xee);
    binding.ringAddAll(handle, ['three', 'four'], false);

    assert.notEqual(first.buffer, second.buffer);
    assert.deepEqual(second, expected);
  });
});

describe('ringSubscribe wake-ups', () => {
  test("a worker's add wakes the main thread", WAITS, async (t) => {
    const name = uniqueName('worker-wakes-main');
    const handle = openBinary(t, name);
    const recorder = new WakeRecorder();
    subscribe(t, handle, recorder.callback);

    const worker = startWorker(
      t,
      `
      const { handle } = binding.ringOpen(workerData.name, 16, 0, 0, threadId);
      binding.ringAdd(handle, { from: 'worker', threadId }, false);
      `,
      { name },
    );
    const workerThreadId = worker.threadId;
    await recorder.waitFor(1);
    await assertCleanExit(worker);

    assert.equal(recorder.reasons[0], WakeReason.PUBLISHED);
    assert.deepEqual(readOne(handle, 0), {
      status: ReadStatus.OK,
      item: { from: 'worker', threadId: workerThreadId },
    });
  });

  test('a worker reads what the main thread added', WAITS, async (t) => {
    const name = uniqueName('main-to-worker');
    const handle = openBinary(t, name);
    binding.ringAddAll(handle, [{ n: 1 }, 'two', [3]], false);

    const worker = startWorker(
      t,
      `
      const { handle, created } = binding.ringOpen(workerData.name, 16, 0, 0, threadId);
      const status = new Int32Array(1);
      const items = [0, 1, 2].map((sequence) => binding.ringReadOne(handle, sequence, status));
      parentPort.postMessage({ created, items });
      `,
      { name },
    );
    const message = await nextMessage(worker);
    await assertCleanExit(worker);

    assert.deepEqual(message, { created: false, items: [{ n: 1 }, 'two', [3]] });
  });

  test('adds before a callback are coalesced', WAITS, async (t) => {
    const handle = openBinary(t, uniqueName('coalesce'));
    const recorder = new WakeRecorder();
    subscribe(t, handle, recorder.callback);

    binding.ringAdd(handle, 1, false);
    binding.ringAdd(handle, 2, false);
    binding.ringAddAll(handle, [3, 4], false);
    await recorder.waitFor(1);
    await deliverQueuedCalls();

    assert.deepEqual(recorder.reasons, [WakeReason.PUBLISHED]);
  });

  test('an add after a callback started wakes again', WAITS, async (t) => {
    const handle = openBinary(t, uniqueName('wake-again'));
    const recorder = new WakeRecorder();
    // The first callback adds an item itself: its wake-up must not be lost.
    recorder.onCall = () => {
      if (recorder.reasons.length === 1) {
        binding.ringAdd(handle, 'added by the callback', false);
      }
    };
    subscribe(t, handle, recorder.callback);

    binding.ringAdd(handle, 'first', false);
    await recorder.waitFor(2);
    binding.ringAdd(handle, 'after the callbacks', false);
    await recorder.waitFor(3);

    assert.deepEqual(recorder.reasons, [
      WakeReason.PUBLISHED,
      WakeReason.PUBLISHED,
      WakeReason.PUBLISHED,
    ]);
    assert.equal(stateOf(handle).tail, 2);
  });

  test('FAIL that stores nothing wakes nobody', WAITS, async (t) => {
    const handle = openBinary(t, uniqueName('fail-no-wake'), 2);
    const recorder = new WakeRecorder();
    subscribe(t, handle, recorder.callback);

    assert.equal(binding.ringAddAll(handle, [1, 2, 3], true), -1);
    await deliverQueuedCalls();

    assert.deepEqual(recorder.reasons, []);
  });

  test('after ringUnsubscribe no call arrives', WAITS, async (t) => {
    const handle = openBinary(t, uniqueName('unsubscribe'));
    const recorder = new WakeRecorder();
    const id = subscribe(t, handle, recorder.callback);

    // The add queues a call that is still undelivered when the subscription ends.
    binding.ringAdd(handle, 'queued', false);
    binding.ringUnsubscribe(handle, id);
    binding.ringAdd(handle, 'after', false);
    binding.ringUnsubscribe(handle, id);
    binding.ringUnsubscribe(handle, 987_654);
    await deliverQueuedCalls();

    assert.deepEqual(recorder.reasons, []);
  });

  test('ringUnsubscribe ignores an id of another ring', WAITS, async (t) => {
    const subscribed = openBinary(t, uniqueName('unsubscribe-owner'));
    const other = openBinary(t, uniqueName('unsubscribe-other'));
    const recorder = new WakeRecorder();
    const id = subscribe(t, subscribed, recorder.callback);

    binding.ringUnsubscribe(other, id);
    binding.ringAdd(subscribed, 'still subscribed', false);
    await recorder.waitFor(1);

    assert.deepEqual(recorder.reasons, [WakeReason.PUBLISHED]);
  });

  test('destroy wakes main and worker once', WAITS, async (t) => {
    const name = uniqueName('destroy-wakes');
    const handle = openBinary(t, name);
    const recorder = new WakeRecorder();
    subscribe(t, handle, recorder.callback);

    const worker = startWorker(
      t,
      `
      const { handle } = binding.ringOpen(workerData.name, 16, 0, 0, threadId);
      const reasons = [];
      const id = binding.ringSubscribe(handle, (reason) => {
        reasons.push(reason);
        if (reason === 1) {
          // Unsubscribing releases the event loop, so the worker exits.
          binding.ringUnsubscribe(handle, id);
          parentPort.postMessage(reasons);
        }
      });
      parentPort.postMessage('subscribed');
      `,
      { name },
    );
    assert.equal(await nextMessage(worker), 'subscribed');
    const workerReasons = nextMessage(worker);
    binding.ringDestroy(handle);
    binding.ringDestroy(handle);
    await recorder.waitFor(1);
    await deliverQueuedCalls();

    assert.deepEqual(recorder.reasons, [WakeReason.DESTROYED]);
    assert.deepEqual(await workerReasons, [WakeReason.DESTROYED]);
    await assertCleanExit(worker);
  });

  test('subscribe after destroy delivers DESTROYED', WAITS, async (t) => {
    const handle = openBinary(t, uniqueName('subscribe-destroyed'));
    binding.ringDestroy(handle);
    const recorder = new WakeRecorder();
    subscribe(t, handle, recorder.callback);

    await recorder.waitFor(1);
    binding.ringAdd(handle, 'added to the destroyed ring', false);
    await deliverQueuedCalls();

    assert.deepEqual(recorder.reasons, [WakeReason.DESTROYED]);
  });

  test('two writer workers keep their order', WAITS, async (t) => {
    const name = uniqueName('two-writers');
    const perWriter = 2000;
    const capacity = 2 * perWriter;
    const handle = openBinary(t, name, capacity);
    const recorder = new WakeRecorder();
    subscribe(t, handle, recorder.callback);

    const writers = ['a', 'b'].map((writer) =>
      startWorker(
        t,
        `
        const { handle } = binding.ringOpen(workerData.name, workerData.capacity, 0, 0, threadId);
        for (let i = 0; i < workerData.count; i++) {
          binding.ringAdd(handle, { writer: workerData.writer, i }, false);
        }
        `,
        { name, capacity, writer, count: perWriter },
      ),
    );
    await Promise.all(writers.map(assertCleanExit));
    await recorder.waitFor(1);

    const frame = parseFrame(binding.ringReadMany(handle, 0, capacity, 2 ** 30));
    assert.equal(frame.records.length, capacity);
    const nextIndex: Record<string, number> = { a: 0, b: 0 };
    frame.records.forEach((record, index) => {
      assert.equal(record.sequence, index);
      const item = decodeRecord(frame, index) as { writer: string; i: number };
      assert.equal(item.i, nextIndex[item.writer], `item ${index} of writer ${item.writer}`);
      nextIndex[item.writer] += 1;
    });
    assert.deepEqual(nextIndex, { a: perWriter, b: perWriter });
  });
});

describe('subscriptions and the event loop', () => {
  test('subscription keeps the process alive', () => {
    // The writer is unref'd, so only the subscription can keep the process running until the
    // add arrives. Without it, the process would exit before printing.
    const result = runChild(`
      const { Worker } = require('node:worker_threads');
      const name = 'alive-' + process.pid;
      const { handle } = binding.ringOpen(name, 4, 0, 0, 0);
      const id = binding.ringSubscribe(handle, (reason) => {
        console.log('woken ' + reason);
        binding.ringUnsubscribe(handle, id);
      });
      const writer = new Worker(
        ${JSON.stringify(PREAMBLE)} +
          'binding.ringAdd(binding.ringOpen(workerData.name, 4, 0, 0, 0).handle, 1, false);',
        { eval: true, workerData: { name } },
      );
      writer.unref();
    `);
    assertChildSucceeded(result, `woken ${WakeReason.PUBLISHED}`);
  });

  test('callback exception is uncaught', () => {
    const result = runChild(`
      const { handle } = binding.ringOpen('throwing-' + process.pid, 4, 0, 0, 0);
      const id = binding.ringSubscribe(handle, () => {
        throw new Error('thrown by the callback');
      });
      process.on('uncaughtException', (error) => {
        console.log('uncaught: ' + error.message);
        binding.ringUnsubscribe(handle, id);
      });
      binding.ringAdd(handle, 1, false);
    `);
    assertChildSucceeded(result, 'uncaught: thrown by the callback');
  });

  test('terminated subscribed worker leaves process healthy', () => {
    // The subscriber spins in JavaScript with calls queued when it is terminated, while a
    // second worker keeps adding. Afterwards the main thread adds, subscribes and exits.
    const result = runChild(`
      const { Worker } = require('node:worker_threads');
      const { once } = require('node:events');
      const name = 'terminated-' + process.pid;
      const spinLimitMs = ${SPIN_LIMIT_MS};
      const { handle } = binding.ringOpen(name, 64, 0, 0, 0);
      const stop = new Int32Array(new SharedArrayBuffer(4));

      const subscriber = new Worker(
        ${JSON.stringify(PREAMBLE)} +
          \`const { handle } = binding.ringOpen(workerData.name, 64, 0, 0, 0);
          binding.ringSubscribe(handle, () => {});
          binding.ringSubscribe(handle, () => {});
          parentPort.postMessage('subscribed');
          const end = Date.now() + workerData.spinLimitMs;
          while (Date.now() < end) {}\`,
        { eval: true, workerData: { name, spinLimitMs } },
      );
      const writer = new Worker(
        ${JSON.stringify(PREAMBLE)} +
          \`const { handle } = binding.ringOpen(workerData.name, 64, 0, 0, 0);
          const stop = new Int32Array(workerData.stop);
          parentPort.postMessage('writing');
          const end = Date.now() + workerData.spinLimitMs;
          let added = 0;
          while (Atomics.load(stop, 0) === 0 && Date.now() < end) {
            binding.ringAdd(handle, added, false);
            added += 1;
          }
          parentPort.postMessage(added);\`,
        { eval: true, workerData: { name, spinLimitMs, stop: stop.buffer } },
      );
      // Attached now: the writer's last message and its exit can arrive in one turn.
      const writerExited = once(writer, 'exit');

      (async () => {
        await Promise.all([once(subscriber, 'message'), once(writer, 'message')]);
        await subscriber.terminate();
        for (let i = 0; i < 1000; i++) binding.ringAdd(handle, i, false);
        Atomics.store(stop, 0, 1);
        const [added] = await once(writer, 'message');
        await writerExited;

        await new Promise((resolve) => {
          const id = binding.ringSubscribe(handle, () => {
            binding.ringUnsubscribe(handle, id);
            resolve();
          });
          binding.ringAdd(handle, 'last', false);
        });
        const out = new Float64Array(3);
        binding.ringState(handle, out);
        console.log(added > 0 && out[1] === added + 1000 ? 'healthy' : 'tail=' + out[1]);
      })();
    `);
    assertChildSucceeded(result, 'healthy');
  });
});
