/**
 * The ring model: counters of a new ring, exact capacities with every slot usable,
 * overwrite of the oldest item, and sequences that survive overwrite.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { countersOf, openRing, range, rejectionOf } from './helpers/ring';
import { ErrorCode, StaleSequenceError } from '../src/index';
import type { Counters } from './helpers/ring';

const CAPACITIES = [1, 3, 10, 10_000];

/** Asserts the invariants of section "Model" on one set of counters. */
function assertInvariants(counters: Counters): void {
  assert.ok(counters.head <= counters.tail + 1, `head=${counters.head} > tail + 1`);
  assert.ok(counters.size <= counters.capacity, `size=${counters.size} > capacity`);
  assert.equal(counters.size, counters.tail - counters.head + 1);
  assert.ok(counters.remaining >= 0, `remainingCapacity=${counters.remaining} < 0`);
  assert.ok(counters.remaining <= counters.capacity, `remainingCapacity > capacity`);
}

describe('new ring', { concurrency: true }, () => {
  for (const capacity of CAPACITIES) {
    test(`new ring capacity ${capacity} counters`, async (t) => {
      const { ring } = await openRing(t, { capacity });
      const counters = await countersOf(ring);

      assert.equal(counters.capacity, capacity);
      assert.equal(counters.head, 0);
      assert.equal(counters.tail, -1);
      assert.equal(counters.size, 0);
      assert.equal(counters.remaining, capacity);
    });
  }

  test('new ring keeps its name', async (t) => {
    const { ring, name } = await openRing(t, { capacity: 3 });

    assert.equal(ring.getName(), name);
  });
});

describe('exact capacity', { concurrency: true }, () => {
  for (const capacity of CAPACITIES) {
    test(`capacity ${capacity} holds every slot`, async (t) => {
      const { ring } = await openRing<number>(t, { capacity });

      await ring.addAll(range(0, capacity));
      const full = await countersOf(ring);
      assert.equal(full.head, 0);
      assert.equal(full.tail, capacity - 1);
      assert.equal(full.size, capacity);
      assert.equal(await ring.readOne(0), 0);
      assert.equal(await ring.readOne(capacity - 1), capacity - 1);
    });

    test(`capacity ${capacity} overwrites oldest`, async (t) => {
      const { ring } = await openRing<number>(t, { capacity });

      await ring.addAll(range(0, capacity));
      const sequence = await ring.add(capacity);

      const after = await countersOf(ring);
      assert.equal(sequence, capacity);
      assert.equal(after.head, 1);
      assert.equal(after.tail, capacity);
      assert.equal(after.size, capacity);
      const stale = await rejectionOf(ring.readOne(0));
      assert.ok(stale instanceof StaleSequenceError);
      assert.equal(stale.code, ErrorCode.STALE_SEQUENCE);
      assert.equal(await ring.readOne(capacity), capacity);
    });
  }
});

describe('sequences', { concurrency: true }, () => {
  test('sequences survive several laps', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });

    for (let i = 0; i < 10; i++) {
      assert.equal(await ring.add(`item-${i}`), i);
    }

    assert.equal(await ring.headSequence(), 7);
    assert.equal(await ring.tailSequence(), 9);
    assert.equal(await ring.readOne(7), 'item-7');
    assert.equal(await ring.readOne(8), 'item-8');
    assert.equal(await ring.readOne(9), 'item-9');
  });

  test('invariants hold on every add', async (t) => {
    for (const capacity of [1, 3, 10]) {
      const { ring } = await openRing<number>(t, { capacity });
      for (let i = 0; i < 3 * capacity + 2; i++) {
        await ring.add(i);
        const counters = await countersOf(ring);
        assertInvariants(counters);
        assert.equal(counters.tail, i);
        assert.equal(counters.head, Math.max(0, i - capacity + 1));
      }
    }
  });

  test('reads remove nothing', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 4 });
    await ring.addAll(['a', 'b', 'c']);

    await ring.readOne(0);
    await ring.readOne(0);
    await ring.readMany(0, 3, 3);

    const counters = await countersOf(ring);
    assert.equal(counters.head, 0);
    assert.equal(counters.tail, 2);
    assert.equal(await ring.readOne(0), 'a');
  });

  test('sequences are plain numbers', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 2 });

    const sequence = await ring.add('a');

    assert.equal(typeof sequence, 'number');
    assert.equal(typeof (await ring.headSequence()), 'number');
    assert.equal(typeof (await ring.tailSequence()), 'number');
  });
});
