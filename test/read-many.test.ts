/**
 * readMany and ReadResultSet: argument validation in its documented order, the clamp of the
 * start sequence, filters and readCount, waiting for minCount across wake-ups, and the
 * result set's accessors and snapshot semantics.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ErrorCode } from '../src/index';
import type { ReadFilter, ReadResultSet } from '../src/index';
import {
  assertMessageNames,
  openRing,
  range,
  rejectionOf,
  stillWaiting,
  track,
  WAITS,
} from './helpers/ring';

/** Items, sequences and counters of a result set, for one deepEqual per property. */
function contentOf<T>(result: ReadResultSet<T>) {
  const items: Array<T | undefined> = [];
  const sequences: Array<number | undefined> = [];
  for (let i = 0; i < result.size(); i++) {
    items.push(result.get(i));
    sequences.push(result.getSequence(i));
  }
  return {
    items,
    sequences,
    readCount: result.getReadCount(),
    next: result.getNextSequenceToReadFrom(),
  };
}

/** Number of items lost to overwrite before the read, as a polling consumer computes it. */
function lostItems(result: ReadResultSet<unknown>, startSequence: number): number {
  return result.getNextSequenceToReadFrom() - result.getReadCount() - startSequence;
}

const isEven: ReadFilter<number> = (n) => n % 2 === 0;

interface ValidationCase {
  args: [unknown, unknown, unknown, unknown?];
  error: 'RangeError' | 'TypeError';
  names: string[];
}

// The ring in these cases has capacity 5.
const VALIDATION_CASES: ValidationCase[] = [
  { args: [-1, 0, 1], error: 'RangeError', names: ['startSequence=-1'] },
  { args: [-1, -1, 0], error: 'RangeError', names: ['startSequence=-1'] },
  { args: [0, -1, 1], error: 'RangeError', names: ['minCount=-1'] },
  { args: [0, -1, -2], error: 'RangeError', names: ['minCount=-1'] },
  { args: [0, 3, 2], error: 'RangeError', names: ['maxCount=2', 'minCount=3'] },
  { args: [0, 6, 5], error: 'RangeError', names: ['maxCount=5', 'minCount=6'] },
  { args: [0, 0, 0], error: 'RangeError', names: ['maxCount=0'] },
  { args: [0, 6, 6], error: 'RangeError', names: ['minCount=6', '5'] },
  { args: [0, 1, 6], error: 'RangeError', names: ['maxCount=6', '5'] },
  { args: [0, 0, 5, 'even'], error: 'TypeError', names: ['filter'] },
  { args: [0, 0, 5, 42], error: 'TypeError', names: ['filter'] },
  { args: [-1, 0, 1, 'even'], error: 'RangeError', names: ['startSequence=-1'] },
  { args: [0, 0, 6, 'even'], error: 'RangeError', names: ['maxCount=6'] },
  { args: [1.5, 0, 1], error: 'RangeError', names: ['startSequence', '1.5'] },
  { args: [NaN, 0, 1], error: 'RangeError', names: ['startSequence', 'NaN'] },
  { args: [2 ** 53, 0, 1], error: 'RangeError', names: ['startSequence'] },
  { args: [2n ** 53n + 1n, 0, 1], error: 'RangeError', names: ['startSequence'] },
  { args: [-1n, 0, 1], error: 'RangeError', names: ['startSequence=-1'] },
  { args: [0, 0.5, 1], error: 'RangeError', names: ['minCount', '0.5'] },
  { args: [0, 0, 1.5], error: 'RangeError', names: ['maxCount', '1.5'] },
  { args: [0, 0, Infinity], error: 'RangeError', names: ['maxCount', 'Infinity'] },
];

function formatArgument(value: unknown): string {
  if (typeof value === 'bigint') {
    return `${value}n`;
  }
  if (typeof value === 'string') {
    return `'${value}'`;
  }
  return String(value);
}

function formatArgs(args: unknown[]): string {
  return args.map(formatArgument).join(',');
}

describe('readMany validation', { concurrency: true }, () => {
  for (const { args, error, names } of VALIDATION_CASES) {
    test(`readMany(${formatArgs(args)}) rejected`, async (t) => {
      const { ring } = await openRing<number>(t, { capacity: 5 });
      await ring.addAll([0, 1, 2]);
      const [start, minCount, maxCount, filter] = args;

      const err = await rejectionOf(
        ring.readMany(
          start as number,
          minCount as number,
          maxCount as number,
          filter as ReadFilter<number>,
        ),
      );

      assert.equal(err.name, error);
      assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
      assertMessageNames(err, ...names);
    });
  }

  test('maxCount equal to capacity accepted', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 5 });
    await ring.addAll(range(0, 5));

    const result = await ring.readMany(0, 5, 5);

    assert.equal(result.size(), 5);
  });

  test('null filter means no filter', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 5 });
    await ring.addAll([1, 2, 3]);

    const result = await ring.readMany(0, 0, 5, null);

    assert.deepEqual(contentOf(result).items, [1, 2, 3]);
  });

  test('bigint arguments accepted', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 5 });
    await ring.addAll([1, 2, 3]);

    const result = await ring.readMany(1n, 1n, 2n);

    assert.deepEqual(contentOf(result).sequences, [1, 2]);
  });
});

describe('readMany walk', { concurrency: true }, () => {
  test('maxCount bounds the result', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 10 });
    await ring.addAll(range(100, 10));

    const content = contentOf(await ring.readMany(0, 0, 4));

    assert.deepEqual(content.items, [100, 101, 102, 103]);
    assert.deepEqual(content.sequences, [0, 1, 2, 3]);
    assert.equal(content.readCount, 4);
    assert.equal(content.next, 4);
  });

  test('stops after tail', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 10 });
    await ring.addAll(range(100, 5));

    const content = contentOf(await ring.readMany(2, 1, 10));

    assert.deepEqual(content.items, [102, 103, 104]);
    assert.deepEqual(content.sequences, [2, 3, 4]);
    assert.equal(content.readCount, 3);
    assert.equal(content.next, 5);
  });

  test('start below head is clamped', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.addAll(range(0, 6));

    const result = await ring.readMany(0, 0, 3);

    const content = contentOf(result);
    assert.deepEqual(content.items, [3, 4, 5]);
    assert.deepEqual(content.sequences, [3, 4, 5]);
    assert.equal(content.readCount, 3);
    assert.equal(content.next, 6);
    assert.equal(lostItems(result, 0), 3);
  });

  test('current start loses nothing', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.addAll(range(0, 6));

    const result = await ring.readMany(4, 0, 3);

    assert.equal(lostItems(result, 4), 0);
  });

  test('start beyond tail + 1 clamped', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.addAll(range(0, 6));

    const content = contentOf(await ring.readMany(100, 0, 3));

    assert.equal(content.items.length, 0);
    assert.equal(content.readCount, 0);
    assert.equal(content.next, 6);
  });

  test('start beyond tail + 1 waits', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    await ring.addAll(['a', 'b']);

    const read = ring.readMany(100, 1, 3);
    await ring.add('c');

    const content = contentOf(await read);
    assert.deepEqual(content.items, ['c']);
    assert.deepEqual(content.sequences, [2]);
  });

  test('nothing examined returns clamped start', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 2 });
    await ring.addAll(range(0, 5));

    const result = await ring.readMany(5, 0, 2);

    assert.equal(result.getReadCount(), 0);
    assert.equal(result.getNextSequenceToReadFrom(), 5);
  });

  test('minCount 0 on empty ring', WAITS, async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    const content = contentOf(await ring.readMany(0, 0, 3));

    assert.equal(content.items.length, 0);
    assert.equal(content.readCount, 0);
    assert.equal(content.next, 0);
  });

  test('filter keeps own sequences', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 10 });
    await ring.addAll(range(0, 10));

    const content = contentOf(await ring.readMany(0, 0, 3, isEven));

    assert.deepEqual(content.items, [0, 2, 4]);
    assert.deepEqual(content.sequences, [0, 2, 4]);
    assert.equal(content.readCount, 5);
    assert.equal(content.next, 5);
  });

  test('readCount exceeds maxCount with filter', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 10 });
    await ring.addAll(range(0, 10));

    const content = contentOf(await ring.readMany(0, 0, 3, () => false));

    assert.equal(content.items.length, 0);
    assert.equal(content.readCount, 10);
    assert.equal(content.next, 10);
  });

  // 3000 items of 4 KB need several native read frames.
  test('filter walks a long ring', async (t) => {
    const count = 3000;
    const { ring } = await openRing<string>(t, { capacity: count });
    const payload = 'x'.repeat(4000);
    await ring.addAll(range(0, count).map((i) => `${i}:${payload}`));
    const wanted = `${count - 1}:${payload}`;

    const content = contentOf(await ring.readMany(0, 0, 10, (item) => item === wanted));

    assert.equal(content.readCount, count);
    assert.deepEqual(content.sequences, [count - 1]);
    assert.equal(content.next, count);
  });

  test('large items all returned', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 20 });
    const items = range(0, 12).map((i) => String(i).repeat(1 << 20));
    await ring.addAll(items);

    const result = await ring.readMany(0, 12, 20);

    assert.equal(result.size(), 12);
    assert.equal(result.getNextSequenceToReadFrom(), 12);
    assert.ok([...result].every((item, i) => item === items[i]), 'items differ');
  });

  test('item above frame size returned', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 4 });
    const huge = 'h'.repeat(9 << 20);
    await ring.addAll([huge, 'small']);

    const result = await ring.readMany(0, 1, 4);

    assert.equal(result.size(), 2);
    assert.equal(result.get(0)?.length, huge.length);
    assert.equal(result.get(1), 'small');
  });

  test('filter sees items in order', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 10 });
    await ring.addAll(range(0, 6));
    const seen: number[] = [];

    await ring.readMany(1, 0, 10, (item) => {
      seen.push(item);
      return true;
    });

    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  });

  test('waiting reader sees whole batch', WAITS, async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 10 });

    const read = ring.readMany(0, 1, 10);
    await ring.addAll(range(0, 5));

    assert.deepEqual(contentOf(await read).items, [0, 1, 2, 3, 4]);
  });
});

describe('readMany waiting', { concurrency: true }, () => {
  test('waits for minCount items', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 5 });

    const read = track(ring.readMany(0, 2, 5));
    await ring.add('a');
    assert.ok(await stillWaiting(read), 'readMany returned before minCount items');
    await ring.add('b');

    const content = contentOf(await read.promise);
    assert.deepEqual(content.items, ['a', 'b']);
    assert.equal(content.readCount, 2);
    assert.equal(content.next, 2);
  });

  test('filtered items accumulate', WAITS, async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 10 });

    const read = ring.readMany(0, 2, 10, isEven);
    for (const item of [1, 2, 3, 4]) {
      await ring.add(item);
    }

    const content = contentOf(await read);
    assert.deepEqual(content.items, [2, 4]);
    assert.deepEqual(content.sequences, [1, 3]);
    assert.equal(content.readCount, 4);
    assert.equal(content.next, 4);
  });

  test('clamp reapplied on wake-up', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    let markExamined: () => void = () => {};
    const firstExamined = new Promise<void>((resolve) => {
      markExamined = resolve;
    });

    const read = ring.readMany(0, 3, 3, () => {
      markExamined();
      return true;
    });
    await ring.add('a');
    await firstExamined;
    // The reader continues at sequence 1, which this batch overwrites (head becomes 2).
    await ring.addAll(['b', 'c', 'd', 'e']);

    const result = await read;
    const content = contentOf(result);
    assert.deepEqual(content.items, ['a', 'c', 'd']);
    assert.deepEqual(content.sequences, [0, 2, 3]);
    assert.equal(content.readCount, 3);
    assert.equal(content.next, 4);
    assert.equal(lostItems(result, 0), 1);
  });

  test('rejecting filter delays nobody else', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 5 });

    const picky = track(ring.readMany(0, 1, 5, () => false));
    const plain = ring.readMany(0, 1, 5);
    await ring.add('x');

    assert.deepEqual(contentOf(await plain).items, ['x']);
    assert.ok(await stillWaiting(picky), 'reader with a rejecting filter returned');
  });

  test('readers keep own positions', WAITS, async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 10 });
    await ring.addAll([0, 1]);

    const early = ring.readMany(0, 3, 10);
    const late = ring.readMany(2, 1, 10);
    await ring.add(2);

    assert.deepEqual(contentOf(await early).sequences, [0, 1, 2]);
    assert.deepEqual(contentOf(await late).sequences, [2]);
  });
});

describe('ReadResultSet', { concurrency: true }, () => {
  test('out-of-range index is undefined', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 5 });
    await ring.addAll(['a', 'b']);

    const result = await ring.readMany(0, 0, 5);

    assert.equal(result.get(-1), undefined);
    assert.equal(result.get(2), undefined);
    assert.equal(result.get(100), undefined);
    assert.equal(result.getSequence(-1), undefined);
    assert.equal(result.getSequence(2), undefined);
    assert.equal(result.getSequence(100), undefined);
  });

  test('length equals size', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 5 });
    await ring.addAll(['a', 'b', 'c']);

    const result = await ring.readMany(0, 0, 5, (item) => item !== 'b');

    assert.equal(result.size(), 2);
    assert.equal(result.length, 2);
  });

  test('iterates items in order', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 5 });
    await ring.addAll(['a', 'b', 'c']);

    const result = await ring.readMany(0, 0, 5);

    assert.deepEqual([...result], ['a', 'b', 'c']);
  });

  test('items decoded once', async (t) => {
    const { ring } = await openRing<{ n: number }>(t, { capacity: 5 });
    await ring.addAll([{ n: 1 }, { n: 2 }]);

    const result = await ring.readMany(0, 0, 5);

    assert.equal(result.get(1), result.get(1));
    assert.equal([...result][0], result.get(0));
  });

  test('filter and get share a decode', async (t) => {
    const { ring } = await openRing<{ n: number }>(t, { capacity: 5 });
    await ring.addAll([{ n: 1 }, { n: 2 }]);
    const filtered: Array<{ n: number }> = [];

    const result = await ring.readMany(0, 0, 5, (item) => {
      filtered.push(item);
      return true;
    });

    assert.equal(result.get(0), filtered[0]);
    assert.equal(result.get(1), filtered[1]);
  });

  test('snapshot survives overwrite', async (t) => {
    const { ring } = await openRing<{ n: number }>(t, { capacity: 3 });
    await ring.addAll([{ n: 0 }, { n: 1 }, { n: 2 }]);

    const result = await ring.readMany(0, 0, 3);
    await ring.addAll([{ n: 10 }, { n: 11 }, { n: 12 }]);

    assert.deepEqual([...result], [{ n: 0 }, { n: 1 }, { n: 2 }]);
    assert.deepEqual(contentOf(result).sequences, [0, 1, 2]);
  });

  test('snapshot survives later reads', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 4 });
    await ring.addAll(['a', 'b']);

    const first = await ring.readMany(0, 0, 4);
    await ring.addAll(['c', 'd', 'e', 'f']);
    const second = await ring.readMany(0, 0, 4);

    assert.deepEqual([...second], ['c', 'd', 'e', 'f']);
    assert.deepEqual([...first], ['a', 'b']);
  });

  test('snapshot survives destroy', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    await ring.addAll(['a', 'b']);

    const result = await ring.readMany(0, 0, 3);
    await ring.destroy();

    assert.deepEqual([...result], ['a', 'b']);
  });

  test('counters are numbers', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    await ring.addAll(['a', 'b']);

    const result = await ring.readMany(0n, 0n, 3n);

    assert.equal(typeof result.getReadCount(), 'number');
    assert.equal(typeof result.getSequence(0), 'number');
    assert.equal(typeof result.getNextSequenceToReadFrom(), 'number');
  });
});
