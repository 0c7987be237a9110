/**
 * readOne, row by row of its table: invalid and stale sequences, readable items, waiting at
 * tailSequence + 1, and a waiting read whose sequence is overwritten while it waits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ErrorCode, RingcastError, StaleSequenceError } from '../src/index';
import {
  assertMessageNames,
  openRing,
  range,
  rejectionOf,
  startClient,
  stillWaiting,
  track,
  WAITS,
} from './helpers/ring';

describe('readOne table', { concurrency: true }, () => {
  test('negative sequence rejected', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.add(0);

    const err = await rejectionOf(ring.readOne(-1));

    assert.ok(err instanceof RangeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'sequence=-1');
  });

  for (const sequence of [0.5, NaN, Infinity, -Infinity]) {
    test(`sequence ${sequence} rejected`, async (t) => {
      const { ring } = await openRing<number>(t, { capacity: 3 });
      await ring.addAll([0, 1]);

      const err = await rejectionOf(ring.readOne(sequence));

      assert.ok(err instanceof RangeError);
      assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
      assertMessageNames(err, 'sequence', String(sequence));
    });
  }

  test('stale sequence carries head', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.addAll(range(0, 5));

    const err = await rejectionOf(ring.readOne(1));

    assert.ok(err instanceof StaleSequenceError, `got ${err.name}`);
    assert.ok(err instanceof RingcastError);
    assert.equal(err.code, ErrorCode.STALE_SEQUENCE);
    assert.equal(err.headSequence, 2);
  });

  test('head sequence readable', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.addAll(range(10, 5));

    assert.equal(await ring.readOne(2), 12);
  });

  test('tail sequence readable', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.addAll(range(10, 5));

    assert.equal(await ring.readOne(4), 14);
  });

  test('beyond tail + 1 rejected', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.addAll([0, 1, 2]);

    const err = await rejectionOf(ring.readOne(5));

    assert.ok(err instanceof RangeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'sequence=5');
    // The message may give the tail itself (2) or the largest valid sequence (3).
    assert.match(err.message, /tailSequence.*?(?<![\d.])[23](?![\d.])/);
  });

  test('beyond tail + 1 on empty ring', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    const err = await rejectionOf(ring.readOne(1));

    assert.ok(err instanceof RangeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
  });

  test('bigint sequence accepted', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    await ring.addAll(['a', 'b']);

    assert.equal(await ring.readOne(1n), 'b');
  });
});

describe('readOne waiting', { concurrency: true }, () => {
  test('tail + 1 waits for add', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    await ring.addAll(['a', 'b']);

    const read = track(ring.readOne(2));
    assert.ok(await stillWaiting(read), 'readOne(tail + 1) settled before any add');
    await ring.add('c');

    assert.equal(await read.promise, 'c');
  });

  test('empty ring waits at 0', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });

    const read = ring.readOne(0);
    await ring.add('first');

    assert.equal(await read, 'first');
  });

  test('waiting read gets first of batch', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 5 });
    await ring.add('a');

    const read = ring.readOne(1);
    await ring.addAll(['b', 'c', 'd']);

    assert.equal(await read, 'b');
  });

  test('several readers wake together', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });

    const reads = [ring.readOne(0), ring.readOne(0), ring.readOne(0n)];
    await ring.add('x');

    assert.deepEqual(await Promise.all(reads), ['x', 'x', 'x']);
  });

  test('other client add wakes reader', WAITS, async (t) => {
    const { ring, name } = await openRing<string>(t, { capacity: 3 });
    const writerClient = await startClient(t);
    const writer = await writerClient.getRingbuffer<string>(name, { capacity: 3 });

    const read = ring.readOne(0);
    await writer.add('from-writer');

    assert.equal(await read, 'from-writer');
  });

  test('overwritten waiting read goes stale', WAITS, async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.addAll([0, 1, 2]);

    // Tracked, because on a cluster it may reject before the addAll call returns.
    const read = track(ring.readOne(3));
    await ring.addAll(range(3, 5));

    const err = await rejectionOf(read.promise);
    assert.ok(err instanceof StaleSequenceError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.STALE_SEQUENCE);
    assert.equal(err.headSequence, 5);
  });

  test('capacity 1 waiting read goes stale', WAITS, async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 1 });

    const read = track(ring.readOne(0));
    await ring.addAll([0, 1]);

    const err = await rejectionOf(read.promise);
    assert.ok(err instanceof StaleSequenceError, `got ${err.name}`);
    assert.equal(err.headSequence, 1);
  });
});
