/**
 * add and addAll: returned sequences, overwrite, FAIL with and without a TTL, the warning
 * for FAIL without a TTL, and rejected items that leave the ring unchanged.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { ErrorCode, InMemoryFormat, OverflowPolicy } from '../src/index';
import type { OverflowPolicy as Policy } from '../src/index';
import {
  assertMessageNames,
  backend,
  countersOf,
  openRing,
  range,
  rejectionOf,
  startClient,
  uniqueName,
} from './helpers/ring';

/** A TTL long enough that nothing expires during a test, so only FAIL semantics show. */
const LONG_TTL = 3600;

describe('add', { concurrency: true }, () => {
  test('add returns consecutive sequences', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 5 });

    assert.equal(await ring.add('a'), 0);
    assert.equal(await ring.add('b'), 1);
    assert.equal(await ring.add('c'), 2);
    assert.equal(await ring.readOne(1), 'b');
  });

  test('add defaults to OVERWRITE', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3, timeToLiveSeconds: LONG_TTL });
    await ring.addAll([0, 1, 2]);

    const sequence = await ring.add(3);

    assert.equal(sequence, 3);
    assert.equal(await ring.headSequence(), 1);
  });

  test('add OVERWRITE drops oldest', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 2 });

    await ring.add(0, OverflowPolicy.OVERWRITE);
    await ring.add(1, OverflowPolicy.OVERWRITE);
    const sequence = await ring.add(2, OverflowPolicy.OVERWRITE);

    assert.equal(sequence, 2);
    assert.equal(await ring.headSequence(), 1);
    assert.equal(await ring.readOne(1), 1);
  });

  test('add FAIL without TTL overwrites', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 2 });
    await ring.addAll([0, 1]);

    const sequence = await ring.add(2, OverflowPolicy.FAIL);

    assert.equal(sequence, 2);
    assert.equal(await ring.headSequence(), 1);
    assert.equal(await ring.readOne(2), 2);
  });

  test('OBJECT add FAIL without TTL overwrites', async (t) => {
    const config = { capacity: 2, inMemoryFormat: InMemoryFormat.OBJECT };
    const { ring } = await openRing<number>(t, config);
    await ring.addAll([0, 1]);

    const sequence = await ring.add(2, OverflowPolicy.FAIL);

    assert.equal(sequence, 2);
    assert.equal(await ring.headSequence(), 1);
  });

  test('add FAIL with TTL stores until full', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 2, timeToLiveSeconds: LONG_TTL });

    assert.equal(await ring.add(0, OverflowPolicy.FAIL), 0);
    assert.equal(await ring.add(1, OverflowPolicy.FAIL), 1);
  });

  test('add FAIL with TTL full returns -1', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 2, timeToLiveSeconds: LONG_TTL });
    await ring.addAll([0, 1]);

    const sequence = await ring.add(2, OverflowPolicy.FAIL);

    assert.equal(sequence, -1);
    const counters = await countersOf(ring);
    assert.equal(counters.head, 0);
    assert.equal(counters.tail, 1);
    assert.equal(await ring.readOne(0), 0);
  });

  test('add null rejected', async (t) => {
    const { ring } = await openRing<unknown>(t, { capacity: 2 });

    const err = await rejectionOf(ring.add(null));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'item');
    assert.equal(await ring.tailSequence(), -1);
  });

  test('add undefined rejected', async (t) => {
    const { ring } = await openRing<unknown>(t, { capacity: 2 });

    const err = await rejectionOf(ring.add(undefined));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assert.equal(await ring.tailSequence(), -1);
  });

  test('add unknown policy rejected', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 2 });

    const err = await rejectionOf(ring.add('a', 'DROP' as Policy));

    assert.ok(err instanceof TypeError || err instanceof RangeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'overflowPolicy', 'DROP');
    assert.equal(await ring.tailSequence(), -1);
  });

  test('add keeps falsy items', async (t) => {
    const { ring } = await openRing<unknown>(t, { capacity: 4 });

    await ring.addAll([0, '', false]);

    assert.equal(await ring.readOne(0), 0);
    assert.equal(await ring.readOne(1), '');
    assert.equal(await ring.readOne(2), false);
  });
});

describe('addAll', { concurrency: true }, () => {
  test('addAll returns last sequence', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 10 });
    await ring.add('first');

    const last = await ring.addAll(['a', 'b', 'c']);

    assert.equal(last, 3);
  });

  test('addAll keeps array order', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 10 });

    await ring.addAll(['a', 'b', 'c']);

    assert.equal(await ring.readOne(0), 'a');
    assert.equal(await ring.readOne(1), 'b');
    assert.equal(await ring.readOne(2), 'c');
  });

  test('addAll OVERWRITE beyond capacity', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.add(-1);

    const last = await ring.addAll(range(0, 7));

    const counters = await countersOf(ring);
    assert.equal(last, 7);
    assert.equal(counters.tail, 7);
    assert.equal(counters.head, counters.tail - 3 + 1);
    assert.equal(await ring.readOne(5), 4);
    assert.equal(await ring.readOne(7), 6);
  });

  test('addAll has no length limit', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 10 });

    const last = await ring.addAll(range(0, 100_000));

    assert.equal(last, 99_999);
    assert.equal(await ring.headSequence(), 99_990);
    assert.equal(await ring.readOne(99_990), 99_990);
  });

  test('addAll FAIL without TTL fits capacity', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.addAll([0, 1, 2]);

    const last = await ring.addAll([3, 4, 5], OverflowPolicy.FAIL);

    assert.equal(last, 5);
    assert.equal(await ring.headSequence(), 3);
  });

  test('OBJECT addAll FAIL without TTL fits', async (t) => {
    const config = { capacity: 3, inMemoryFormat: InMemoryFormat.OBJECT };
    const { ring } = await openRing<number>(t, config);
    await ring.addAll([0, 1, 2]);

    const last = await ring.addAll([3, 4, 5], OverflowPolicy.FAIL);

    assert.equal(last, 5);
    assert.equal(await ring.headSequence(), 3);
  });

  test('OBJECT add FAIL with TTL full', async (t) => {
    const config = {
      capacity: 2,
      timeToLiveSeconds: LONG_TTL,
      inMemoryFormat: InMemoryFormat.OBJECT,
    };
    const { ring } = await openRing<number>(t, config);
    await ring.addAll([0, 1]);

    assert.equal(await ring.add(2, OverflowPolicy.FAIL), -1);
    assert.equal(await ring.tailSequence(), 1);
  });

  test('addAll FAIL without TTL beyond capacity', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.add(0);

    const last = await ring.addAll([1, 2, 3, 4], OverflowPolicy.FAIL);

    const counters = await countersOf(ring);
    assert.equal(last, -1);
    assert.equal(counters.head, 0);
    assert.equal(counters.tail, 0);
  });

  test('addAll FAIL with TTL is all-or-nothing', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3, timeToLiveSeconds: LONG_TTL });
    await ring.add(0);

    const last = await ring.addAll([1, 2, 3], OverflowPolicy.FAIL);

    const counters = await countersOf(ring);
    assert.equal(last, -1);
    assert.equal(counters.tail, 0);
    assert.equal(counters.remaining, 2);
  });

  test('addAll FAIL with TTL exact fit', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3, timeToLiveSeconds: LONG_TTL });
    await ring.add(0);

    const last = await ring.addAll([1, 2], OverflowPolicy.FAIL);

    assert.equal(last, 2);
    assert.equal(await ring.remainingCapacity(), 0);
    assert.equal(await ring.readOne(2), 2);
  });

  test('addAll empty array rejected', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    const err = await rejectionOf(ring.addAll([]));

    assert.ok(err instanceof RangeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'items');
  });

  test('addAll non-array rejected', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    const err = await rejectionOf(ring.addAll(42 as unknown as number[]));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'items');
    assert.equal(await ring.tailSequence(), -1);
  });

  test('addAll null item stores nothing', async (t) => {
    const { ring } = await openRing<unknown>(t, { capacity: 5 });
    await ring.add('kept');

    const err = await rejectionOf(ring.addAll(['a', null, 'b']));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'items[1]');
    assert.equal(await ring.tailSequence(), 0);
  });

  test('addAll undefined item stores nothing', async (t) => {
    const { ring } = await openRing<unknown>(t, { capacity: 5 });

    const err = await rejectionOf(ring.addAll(['a', 'b', undefined]));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'items[2]');
    assert.equal(await ring.tailSequence(), -1);
  });

  test('addAll unknown policy rejected', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 2 });

    const err = await rejectionOf(ring.addAll(['a'], 'fail' as Policy));

    assert.ok(err instanceof TypeError || err instanceof RangeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'overflowPolicy');
    assert.equal(await ring.tailSequence(), -1);
  });
});

// Warnings are process-wide, so these tests run one at a time and count what each emits.
describe('FAIL without TTL warning', () => {
  // The cluster client cannot read a ring's TTL from the members, so it never warns.
  const warns = (count: number) => (backend.kind === 'cluster' ? 0 : count);

  let warnings: Error[] = [];
  const collect = (warning: Error): void => {
    warnings.push(warning);
  };
  beforeEach(async () => {
    // process.emitWarning emits on a later tick, so earlier tests' warnings may still be
    // queued. They are let out before listening starts.
    await nextTurn();
    warnings = [];
    process.on('warning', collect);
  });
  afterEach(() => {
    process.off('warning', collect);
  });

  /** Returns the FAIL_WITHOUT_TTL warnings emitted so far, once queued ticks have run. */
  async function failWarnings(): Promise<Error[]> {
    await nextTurn();
    return warnings.filter((w) => (w as { code?: string }).code === ErrorCode.FAIL_WITHOUT_TTL);
  }

  test('FAIL without TTL warns once', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    await ring.add(0, OverflowPolicy.FAIL);
    await ring.add(1, OverflowPolicy.FAIL);
    await ring.addAll([2, 3], OverflowPolicy.FAIL);

    assert.equal((await failWarnings()).length, warns(1));
  });

  test('addAll FAIL without TTL warns', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    await ring.addAll([0, 1], OverflowPolicy.FAIL);

    assert.equal((await failWarnings()).length, warns(1));
  });

  test('FAIL warning is per ring', async (t) => {
    const client = await startClient(t);
    const first = await client.getRingbuffer<number>(uniqueName(), { capacity: 3 });
    const second = await client.getRingbuffer<number>(uniqueName(), { capacity: 3 });

    await first.add(0, OverflowPolicy.FAIL);
    await second.add(0, OverflowPolicy.FAIL);

    assert.equal((await failWarnings()).length, warns(2));
  });

  test('FAIL warning once per name', async (t) => {
    const name = uniqueName();
    const first = await (await startClient(t)).getRingbuffer<number>(name, { capacity: 3 });
    const second = await (await startClient(t)).getRingbuffer<number>(name, { capacity: 3 });

    await first.add(0, OverflowPolicy.FAIL);
    await second.add(1, OverflowPolicy.FAIL);

    assert.equal((await failWarnings()).length, warns(1));
  });

  test('FAIL with TTL does not warn', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3, timeToLiveSeconds: LONG_TTL });

    await ring.add(0, OverflowPolicy.FAIL);
    await ring.addAll([1, 2], OverflowPolicy.FAIL);

    assert.equal((await failWarnings()).length, 0);
  });

  test('OVERWRITE does not warn', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    await ring.add(0);
    await ring.addAll([1, 2], OverflowPolicy.OVERWRITE);

    assert.equal((await failWarnings()).length, 0);
  });
});
