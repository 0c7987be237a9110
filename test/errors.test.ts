/**
 * Errors shared by every method: rejection instead of a synchronous throw, RangeError for
 * sequences and counts that are not safe integers (never rounded), bigint inputs, and the
 * stable `code` of each error.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createClient, ErrorCode, RingcastError, StaleSequenceError } from '../src/index';
import type { Client, ClientOptions, Ringbuffer } from '../src/index';
import {
  assertMessageNames,
  openRing,
  rejectionOf,
  startClient,
  uniqueName,
} from './helpers/ring';

type Call = (ring: Ringbuffer<unknown>, client: Client) => Promise<unknown>;

const INVALID_CALLS: Array<[string, Call]> = [
  ['add null', (r) => r.add(null)],
  ['add function', (r) => r.add(() => 1)],
  ['add bad policy', (r) => r.add('a', 'DROP' as never)],
  ['addAll empty', (r) => r.addAll([])],
  ['addAll non-array', (r) => r.addAll('abc' as never)],
  ['readOne negative', (r) => r.readOne(-1)],
  ['readOne string', (r) => r.readOne('1' as never)],
  ['readOne fraction', (r) => r.readOne(0.5)],
  ['readOne bad signal', (r) => r.readOne(0, { signal: 'stop' as never })],
  ['readMany negative', (r) => r.readMany(-1, 0, 1)],
  ['readMany bad filter', (r) => r.readMany(0, 0, 1, 'x' as never)],
  ['readMany bad options', (r) => r.readMany(0, 0, 1, null, 5 as never)],
  ['getRingbuffer number name', (_, c) => c.getRingbuffer(5 as never)],
  ['getRingbuffer bad config', (_, c) => c.getRingbuffer('x', { capacity: -1 })],
];

describe('no synchronous throws', { concurrency: true }, () => {
  for (const [label, call] of INVALID_CALLS) {
    test(`${label} rejects`, async (t) => {
      const { ring, client } = await openRing<unknown>(t, { capacity: 3 });

      let pending: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        pending = call(ring, client);
      });

      const err = await rejectionOf(pending as Promise<unknown>);
      assert.ok(err instanceof TypeError || err instanceof RangeError, `got ${err.name}`);
      assert.match(String(err.code), /^RINGCAST_/);
    });
  }

  test('createClient invalid rejects', async () => {
    let pending: Promise<Client> | undefined;
    assert.doesNotThrow(() => {
      pending = createClient({ ringbuffers: { x: { capacity: 0 } } });
    });

    const err = await rejectionOf(
      (pending as Promise<Client>).then(async (client) => {
        await client.shutdown();
        return client;
      }),
    );
    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
  });

  test('createClient non-object rejects', async () => {
    let pending: Promise<Client> | undefined;
    assert.doesNotThrow(() => {
      pending = createClient('fast' as unknown as ClientOptions);
    });

    const err = await rejectionOf(pending as Promise<Client>);
    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
  });
});

describe('unsafe integers', { concurrency: true }, () => {
  test('readOne fraction not rounded', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });
    await ring.addAll([0, 1, 2]);

    const err = await rejectionOf(ring.readOne(1.5));

    assert.ok(err instanceof RangeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'sequence', '1.5');
  });

  test('readOne 2^53 rejected', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    const err = await rejectionOf(ring.readOne(2 ** 53));

    assert.ok(err instanceof RangeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'sequence', String(2 ** 53));
  });

  test('readOne huge bigint rejected', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    const err = await rejectionOf(ring.readOne(2n ** 64n));

    assert.ok(err instanceof RangeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'sequence');
    assert.ok(err.message.includes(String(2n ** 64n)), err.message);
  });

  test('readOne negative bigint rejected', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    const err = await rejectionOf(ring.readOne(-1n));

    assert.ok(err instanceof RangeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
  });

  // A rounded or clamped start would read successfully, so these prove no rounding.
  for (const start of [2 ** 53, 2 ** 53 + 2, 2n ** 53n, 2.5]) {
    test(`readMany start ${String(start)} rejected`, async (t) => {
      const { ring } = await openRing<number>(t, { capacity: 3 });
      await ring.addAll([0, 1, 2]);

      const err = await rejectionOf(ring.readMany(start, 0, 1));

      assert.ok(err instanceof RangeError, `got ${err.name}`);
      assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
      assertMessageNames(err, 'startSequence');
    });
  }

  test('readMany bigint maxCount unsafe', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 3 });

    const err = await rejectionOf(ring.readMany(0, 0, 2n ** 64n));

    assert.ok(err instanceof RangeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'maxCount');
  });
});

describe('bigint inputs', { concurrency: true }, () => {
  test('readOne accepts bigint', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    await ring.addAll(['a', 'b', 'c']);

    assert.equal(await ring.readOne(2n), 'c');
  });

  test('readMany accepts bigints', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    await ring.addAll(['a', 'b', 'c']);

    const result = await ring.readMany(1n, 2n, 3n);

    assert.deepEqual([...result], ['b', 'c']);
    assert.equal(result.getSequence(0), 1);
  });

  test('stale bigint carries number head', async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 1 });
    await ring.addAll(['a', 'b']);

    const err = await rejectionOf(ring.readOne(0n));

    assert.ok(err instanceof StaleSequenceError, `got ${err.name}`);
    assert.equal(err.headSequence, 1);
  });
});

describe('error codes', { concurrency: true }, () => {
  test('every code has the prefix', () => {
    for (const code of Object.values(ErrorCode)) {
      assert.match(code, /^RINGCAST_[A-Z_]+$/);
    }
  });

  test('codes are distinct', () => {
    const codes = Object.values(ErrorCode);

    assert.equal(new Set(codes).size, codes.length);
  });

  test('maxCount message names bound', async (t) => {
    const { ring } = await openRing<number>(t, { capacity: 1000 });

    const err = await rejectionOf(ring.readMany(0, 0, 1001));

    assert.ok(err instanceof RangeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNames(err, 'maxCount=1001', '1000');
  });

  test('state errors extend RingcastError', async (t) => {
    const client = await startClient(t);
    const ring = await client.getRingbuffer<number>(uniqueName(), { capacity: 1 });
    await ring.addAll([0, 1]);

    const stale = await rejectionOf(ring.readOne(0));
    await client.shutdown();
    const inactive = await rejectionOf(ring.size());

    assert.ok(stale instanceof RingcastError);
    assert.ok(inactive instanceof RingcastError);
  });
});
