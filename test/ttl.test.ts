/**
 * Time-to-live: expiry seen without any write, remainingCapacity with and without a TTL,
 * and FAIL that succeeds once items expire. Real time passes, so the tests are few and use
 * timeToLiveSeconds: 1, and they run concurrently.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ErrorCode, InMemoryFormat, OverflowPolicy, StaleSequenceError } from '../src/index';
import type { Ringbuffer } from '../src/index';
import { countersOf, delay, openRing, rejectionOf } from './helpers/ring';

/** Maximum time a test waits for an item with timeToLiveSeconds: 1 to expire. */
const EXPIRY_LIMIT_MS = 1200;
const POLL_MS = 50;

/**
 * Polls headSequence until it reaches `head` or `EXPIRY_LIMIT_MS` after `since` passes, and
 * returns the last value seen. Expiry has no event to wait on, so polling is the only way.
 */
async function headAfterExpiry(ring: Ringbuffer<unknown>, head: number, since: number) {
  let seen = await ring.headSequence();
  while (seen < head && Date.now() - since < EXPIRY_LIMIT_MS) {
    await delay(POLL_MS);
    seen = await ring.headSequence();
  }
  return seen;
}

describe('time-to-live', { concurrency: true }, () => {
  test('expiry seen without writes', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 10, timeToLiveSeconds: 1 });
    const addedAt = Date.now();
    await ring.addAll(['a', 'b']);
    assert.equal(await ring.readOne(0), 'a');

    assert.equal(await headAfterExpiry(ring, 2, addedAt), 2);
    const counters = await countersOf(ring);
    assert.equal(counters.tail, 1);
    assert.equal(counters.size, 0);
    assert.equal(counters.remaining, 10);
    const stale = await rejectionOf(ring.readOne(0));
    assert.ok(stale instanceof StaleSequenceError, `got ${stale.name}`);
    assert.equal(stale.code, ErrorCode.STALE_SEQUENCE);
    assert.equal(stale.headSequence, 2);
  });

  test('OBJECT expiry seen without writes', async (t) => {
    const config = { capacity: 4, timeToLiveSeconds: 1, inMemoryFormat: InMemoryFormat.OBJECT };
    const { ring } = await openRing<string>(t, config);
    const addedAt = Date.now();
    await ring.addAll(['a', 'b']);

    assert.equal(await headAfterExpiry(ring, 2, addedAt), 2);
    assert.equal(await ring.tailSequence(), 1);
    assert.equal(await ring.remainingCapacity(), 4);
  });

  test('readMany after expiry reports loss', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 10, timeToLiveSeconds: 1 });
    const addedAt = Date.now();
    await ring.addAll(['a', 'b', 'c']);

    assert.equal(await headAfterExpiry(ring, 3, addedAt), 3);
    const result = await ring.readMany(0, 0, 10);
    assert.equal(result.size(), 0);
    assert.equal(result.getNextSequenceToReadFrom(), 3);
    assert.equal(result.getNextSequenceToReadFrom() - result.getReadCount() - 0, 3);
  });

  test('expiry keeps newer items', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 10, timeToLiveSeconds: 1 });
    const firstAt = Date.now();
    await ring.add('old');
    await delay(500);
    await ring.add('new');

    assert.equal(await headAfterExpiry(ring, 1, firstAt), 1);
    assert.equal(await ring.readOne(1), 'new');
    assert.equal(await ring.size(), 1);
  });

  test('remainingCapacity counts live items', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 5, timeToLiveSeconds: 1 });
    const addedAt = Date.now();

    await ring.addAll([0, 1]);
    assert.equal(await ring.remainingCapacity(), 3);

    assert.equal(await headAfterExpiry(ring, 2, addedAt), 2);
    assert.equal(await ring.remainingCapacity(), 5);
  });

  test('remainingCapacity without TTL constant', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 5 });

    await ring.addAll([0, 1]);
    assert.equal(await ring.remainingCapacity(), 5);
    await ring.addAll([2, 3, 4, 5, 6]);
    assert.equal(await ring.remainingCapacity(), 5);
  });

  test('FAIL succeeds after expiry', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 2, timeToLiveSeconds: 1 });
    const addedAt = Date.now();
    await ring.addAll([0, 1]);
    assert.equal(await ring.add(2, OverflowPolicy.FAIL), -1);
    assert.equal(await ring.addAll([2], OverflowPolicy.FAIL), -1);

    assert.equal(await headAfterExpiry(ring, 2, addedAt), 2);
    assert.equal(await ring.add(2, OverflowPolicy.FAIL), 2);
    assert.equal(await ring.addAll([3], OverflowPolicy.FAIL), 3);
    assert.equal(await ring.add(4, OverflowPolicy.FAIL), -1);
  });
});
