/**
 * Values through a ring: what a BINARY ring round-trips exactly, the fresh copy each read
 * returns, the TypeError naming the path of an unsupported value (with nothing stored), and
 * an OBJECT ring returning the stored value itself.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ErrorCode, InMemoryFormat } from '../src/index';
import type { Ringbuffer } from '../src/index';
import { assertMessageNames, backend, openRing, rejectionOf } from './helpers/ring';
import type { CodedError } from './helpers/ring';

/**
 * How the cluster backend treats a value that Hazelcast's standard serialization would
 * change. Inside an array or object the value would go through JSON, so it is rejected
 * there. `alone` values (numbers JSON lacks, bigint, Date, binary data) have a standard
 * form of their own, so they round-trip as top-level items. `rejected` ones have none.
 */
type ClusterStorage = 'alone' | 'rejected';

interface RoundTrip {
  label: string;
  value: unknown;
  /** What a read returns when it differs from `value` in type (holes, Uint8Array). */
  expected?: unknown;
  /** Set when the cluster backend does not round-trip the value inside an array. */
  cluster?: ClusterStorage;
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) {
    value = i % 2 === 0 ? [value] : { level: value };
  }
  return value;
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const backing = Uint8Array.from([9, 1, 2, 3, 9]);
// eslint-disable-next-line no-sparse-arrays
const holes = [1, , 3];
const sparse = new Array(4);
sparse[2] = 'two';

const ROUND_TRIPS: RoundTrip[] = [
  { label: 'empty string', value: '' },
  { label: 'latin-1 string', value: 'caf\u00e9 \u00ff' },
  { label: 'unicode string', value: 'Stra\u00dfe \u4e2d\u6587 \u{1F600} \u05e9' },
  { label: 'lone high surrogate', value: 'a\uD800b', cluster: 'rejected' },
  { label: 'lone low surrogate', value: '\uDFFF', cluster: 'rejected' },
  { label: 'reversed surrogate pair', value: '\uDC00\uD800', cluster: 'rejected' },
  { label: 'string with NUL', value: 'a\u0000b' },
  { label: 'long string', value: 'x\u4e2d'.repeat(300_000) },
  { label: 'zero', value: 0 },
  { label: 'negative zero', value: -0, cluster: 'alone' },
  { label: 'NaN', value: NaN, cluster: 'alone' },
  { label: 'Infinity', value: Infinity, cluster: 'alone' },
  { label: '-Infinity', value: -Infinity, cluster: 'alone' },
  { label: 'fraction', value: 0.1 },
  { label: 'MAX_SAFE_INTEGER', value: Number.MAX_SAFE_INTEGER },
  { label: 'beyond int32', value: 2 ** 31 },
  { label: 'below int32', value: -(2 ** 31) - 1 },
  { label: 'MIN_VALUE', value: Number.MIN_VALUE },
  { label: 'MAX_VALUE', value: Number.MAX_VALUE },
  { label: 'true', value: true },
  { label: 'false', value: false },
  { label: 'bigint zero', value: 0n, cluster: 'alone' },
  // hazelcast-client 5.7.0 encodes -1n as no bytes, so the cluster rejects it even alone.
  { label: 'bigint negative', value: -1n, cluster: 'rejected' },
  { label: 'bigint 2^64', value: 2n ** 64n, cluster: 'alone' },
  { label: 'bigint huge negative', value: -(2n ** 300n) - 7n, cluster: 'alone' },
  { label: 'null in array', value: [null] },
  { label: 'undefined in array', value: [undefined, 1], cluster: 'rejected' },
  { label: 'null in object', value: { a: null } },
  { label: 'undefined in object', value: { a: undefined }, cluster: 'rejected' },
  { label: 'array holes', value: holes, expected: [1, undefined, 3], cluster: 'rejected' },
  {
    label: 'sparse array',
    value: sparse,
    expected: [undefined, undefined, 'two', undefined],
    cluster: 'rejected',
  },
  { label: 'empty array', value: [] },
  { label: 'empty object', value: {} },
  { label: 'Date', value: new Date(Date.UTC(2024, 1, 29, 12, 30, 45, 123)), cluster: 'alone' },
  { label: 'Date epoch', value: new Date(0), cluster: 'alone' },
  { label: 'Buffer', value: Buffer.from([0, 1, 2, 255]), cluster: 'alone' },
  { label: 'empty Buffer', value: Buffer.alloc(0), cluster: 'alone' },
  {
    label: 'Uint8Array',
    value: Uint8Array.from([7, 8]),
    expected: Buffer.from([7, 8]),
    cluster: 'alone',
  },
  {
    label: 'Uint8Array view',
    value: backing.subarray(1, 4),
    expected: Buffer.from([1, 2, 3]),
    cluster: 'alone',
  },
  {
    label: 'mixed record',
    value: {
      id: 42,
      name: 'flight',
      tags: ['a', 'b'],
      at: new Date(1_700_000_000_000),
      blob: Buffer.from('hi'),
      big: 12345678901234567890n,
      nested: { list: [null, undefined, { deep: true }] },
    },
    cluster: 'rejected',
  },
  { label: 'nested 900 deep', value: nested(900) },
];

function assertInvalidValue(err: CodedError): void {
  assert.ok(err instanceof TypeError, `got ${err.name}`);
  assert.equal(err.code, ErrorCode.INVALID_VALUE);
}

/**
 * Checks a value the cluster backend does not round-trip inside an array: that add rejects
 * it there and stores nothing, then that a top-level addAll either round-trips it (`alone`)
 * or rejects it too.
 */
async function assertClusterStorage(
  ring: Ringbuffer<unknown>,
  value: unknown,
  expected: unknown,
  storage: ClusterStorage,
): Promise<void> {
  assertInvalidValue(await rejectionOf(ring.add([value])));
  assert.equal(await ring.tailSequence(), -1);
  if (storage === 'rejected') {
    assertInvalidValue(await rejectionOf(ring.addAll([value])));
    assert.equal(await ring.tailSequence(), -1);
    return;
  }
  await ring.addAll([value]);
  assert.deepStrictEqual(await ring.readOne(0), expected);
}

describe('BINARY round trip', { concurrency: true }, () => {
  for (const { label, value, expected, cluster } of ROUND_TRIPS) {
    test(`${label} round-trips`, async (t) => {
      const { ring } = await openRing<unknown>(t, { capacity: 4 });
      if (backend.kind === 'cluster' && cluster !== undefined) {
        // The cluster keeps values in Hazelcast's standard serialization; see ClusterStorage.
        await assertClusterStorage(ring, value, expected ?? value, cluster);
        return;
      }

      await ring.add([value]);
      await ring.addAll([value]);
      const fromReadOne = await ring.readOne(0);
      const fromReadMany = (await ring.readMany(1, 1, 1)).get(0);

      // The value sits in an array, so strings, numbers and bigints also go through addAll.
      assert.deepStrictEqual(fromReadOne, [expected ?? value]);
      assert.deepStrictEqual(fromReadMany, expected ?? value);
    });
  }

  for (const value of ['top', 1.5, -0, NaN, true, 10n]) {
    test(`top-level ${String(value)} round-trips`, async (t) => {
      const { ring } = await openRing<unknown>(t, { capacity: 2 });

      await ring.add(value);

      assert.ok(Object.is(await ring.readOne(0), value));
    });
  }

  test('object key order kept', async (t) => {
    const { ring } = await openRing<Record<string, number>>(t, { capacity: 2 });
    const value = { zeta: 1, alpha: 2, 10: 3, mid: 4, 2: 5 };

    await ring.add(value);

    assert.deepEqual(Object.keys(await ring.readOne(0)), Object.keys(value));
  });

  test('shared reference stored twice', async (t) => {
    const { ring } = await openRing<{ left: object; right: object }>(t, { capacity: 2 });
    const shared = { n: 1 };

    await ring.add({ left: shared, right: shared });

    assert.deepEqual(await ring.readOne(0), { left: { n: 1 }, right: { n: 1 } });
  });

  // assert.deepStrictEqual treats two invalid Dates as unequal, so this one checks by hand.
  test('invalid Date round-trips', async (t) => {
    const { ring } = await openRing<unknown>(t, { capacity: 2 });

    if (backend.kind === 'cluster') {
      // java.util.Date stores milliseconds in a long, which has no NaN.
      assertInvalidValue(await rejectionOf(ring.add(new Date(NaN))));
      return;
    }
    await ring.add(new Date(NaN));
    const value = await ring.readOne(0);

    assert.ok(value instanceof Date, `got ${typeof value}`);
    assert.ok(Number.isNaN(value.getTime()));
  });

  test('Buffer reads back as Buffer', async (t) => {
    const { ring } = await openRing<unknown>(t, { capacity: 2 });

    await ring.add(Uint8Array.from([1]));

    assert.ok(Buffer.isBuffer(await ring.readOne(0)));
  });
});

describe('BINARY copies', { concurrency: true }, () => {
  test('each read returns a fresh copy', async (t) => {
    const { ring } = await openRing<{ list: number[] }>(t, { capacity: 2 });
    await ring.add({ list: [1] });

    const first = await ring.readOne(0);
    first.list.push(2);
    const second = await ring.readOne(0);

    assert.notEqual(first, second);
    assert.deepEqual(second, { list: [1] });
  });

  test('add serializes at once', async (t) => {
    const { ring } = await openRing<{ list: number[] }>(t, { capacity: 2 });
    const item = { list: [1] };

    await ring.add(item);
    item.list.push(2);

    assert.deepEqual(await ring.readOne(0), { list: [1] });
  });

  test('Buffer is copied on add', async (t) => {
    const { ring } = await openRing<Buffer>(t, { capacity: 2 });
    const item = Buffer.from([1, 2]);

    await ring.add(item);
    item[0] = 99;

    assert.deepEqual(await ring.readOne(0), Buffer.from([1, 2]));
  });
});

interface Unsupported {
  label: string;
  value: unknown;
  /** Parts of the path the message must name. */
  path: string[];
}

function cyclic(): unknown {
  const node: { name: string; self?: unknown } = { name: 'loop' };
  node.self = node;
  return { outer: node };
}

const UNSUPPORTED: Unsupported[] = [
  { label: 'function', value: { handler: () => 1 }, path: ['handler'] },
  { label: 'symbol', value: { marker: Symbol('x') }, path: ['marker'] },
  { label: 'class instance', value: { origin: new Point(1, 2) }, path: ['origin'] },
  { label: 'Map', value: { lookup: new Map() }, path: ['lookup'] },
  { label: 'Set', value: { members: new Set([1]) }, path: ['members'] },
  { label: 'Float64Array', value: { samples: new Float64Array(2) }, path: ['samples'] },
  { label: 'RegExp', value: { pattern: /x/ }, path: ['pattern'] },
  { label: 'cycle', value: cyclic(), path: ['outer', 'self'] },
  { label: 'deep path', value: { list: [0, { inner: () => 1 }] }, path: ['list', '1', 'inner'] },
];

describe('BINARY unsupported values', { concurrency: true }, () => {
  for (const { label, value, path } of UNSUPPORTED) {
    test(`add ${label} rejected`, async (t) => {
      const { ring } = await openRing<unknown>(t, { capacity: 4 });
      await ring.add('kept');

      const err = await rejectionOf(ring.add(value));

      assert.ok(err instanceof TypeError, `got ${err.name}`);
      assert.equal(err.code, ErrorCode.INVALID_VALUE);
      assertMessageNames(err, ...path);
      assert.equal(await ring.tailSequence(), 0);
      assert.equal(await ring.readOne(0), 'kept');
    });
  }

  test('top-level function rejected', async (t) => {
    const { ring } = await openRing<unknown>(t, { capacity: 4 });

    const err = await rejectionOf(ring.add(() => 1));

    assert.ok(err instanceof TypeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.INVALID_VALUE);
    assertMessageNames(err, 'item');
    assert.equal(await ring.tailSequence(), -1);
  });

  test('addAll bad item stores nothing', async (t) => {
    const { ring } = await openRing<unknown>(t, { capacity: 4 });
    await ring.add('kept');

    const err = await rejectionOf(ring.addAll(['a', { fine: 1 }, { bad: Symbol('s') }, 'b']));

    assert.ok(err instanceof TypeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.INVALID_VALUE);
    assertMessageNames(err, 'items[2]', 'bad');
    assert.equal(await ring.tailSequence(), 0);
  });

  test('too deep value stores nothing', async (t) => {
    const { ring } = await openRing<unknown>(t, { capacity: 4 });

    const err = await rejectionOf(ring.add(nested(100_000)));

    assert.ok(err instanceof RangeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.VALUE_TOO_DEEP);
    assert.equal(await ring.tailSequence(), -1);
  });
});

describe('OBJECT format', { concurrency: true }, () => {
  const config = { capacity: 3, inMemoryFormat: InMemoryFormat.OBJECT };

  test('readOne returns stored value', async (t) => {
    const { ring } = await openRing<{ n: number }>(t, config);
    const item = { n: 1 };

    await ring.add(item);

    // A cluster member keeps OBJECT items deserialized, but its clients read copies.
    if (backend.kind === 'cluster') assert.deepEqual(await ring.readOne(0), item);
    else assert.equal(await ring.readOne(0), item);
  });

  test('readMany returns stored values', async (t) => {
    const { ring } = await openRing<{ n: number }>(t, config);
    const items = [{ n: 1 }, { n: 2 }];

    await ring.addAll(items);
    const result = await ring.readMany(0, 2, 2);

    // A cluster member keeps OBJECT items deserialized, but its clients read copies.
    if (backend.kind === 'cluster') {
      assert.deepEqual(result.get(0), items[0]);
      assert.deepEqual(result.get(1), items[1]);
    } else {
      assert.equal(result.get(0), items[0]);
      assert.equal(result.get(1), items[1]);
    }
  });

  test('OBJECT keeps any value', async (t) => {
    const { ring } = await openRing<unknown>(t, config);
    const point = new Point(1, 2);
    const lookup = new Map([['k', 1]]);

    if (backend.kind === 'cluster') {
      // Items travel to the member serialized, which only the standard forms can be.
      assertInvalidValue(await rejectionOf(ring.addAll([point, lookup])));
      assert.equal(await ring.tailSequence(), -1);
      return;
    }
    await ring.addAll([point, lookup]);

    assert.equal(await ring.readOne(0), point);
    assert.equal(await ring.readOne(1), lookup);
  });

  test('OBJECT overwrites oldest', async (t) => {
    const { ring } = await openRing<number>(t, config);

    await ring.addAll([0, 1, 2, 3]);

    assert.equal(await ring.headSequence(), 1);
    assert.equal(await ring.readOne(3), 3);
  });

  test('OBJECT rejects null item', async (t) => {
    const { ring } = await openRing<unknown>(t, config);

    const err = await rejectionOf(ring.add(null));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assert.equal(await ring.tailSequence(), -1);
  });
});
