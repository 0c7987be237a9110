/**
 * Ring configuration: defaults, rejection of invalid options, matching of the client's
 * configs by exact name, `prefix*` wildcard and `default`, and conflicting configs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ConfigConflictError, createClient, ErrorCode, InMemoryFormat } from '../src/index';
import type { ClientOptions, RingbufferConfig } from '../src/index';
import {
  assertMessageNames,
  assertMessageNamesValue,
  backend,
  openRing,
  rejectionOf,
  startClient,
  uniqueName,
} from './helpers/ring';
import type { CodedError } from './helpers/ring';

/** Which error class an invalid value must raise: a wrong type, or a bad number. */
type Expected = 'TypeError' | 'RangeError' | 'either';

interface InvalidOption {
  option: string;
  value: unknown;
  expected: Expected;
}

const INVALID_OPTIONS: InvalidOption[] = [
  { option: 'capacity', value: 0, expected: 'RangeError' },
  { option: 'capacity', value: -1, expected: 'RangeError' },
  { option: 'capacity', value: 2 ** 31, expected: 'RangeError' },
  { option: 'capacity', value: Infinity, expected: 'RangeError' },
  { option: 'capacity', value: 1.5, expected: 'either' },
  { option: 'capacity', value: NaN, expected: 'either' },
  { option: 'capacity', value: '10', expected: 'TypeError' },
  { option: 'capacity', value: true, expected: 'TypeError' },
  { option: 'capacity', value: null, expected: 'TypeError' },
  { option: 'backupCount', value: -1, expected: 'RangeError' },
  { option: 'backupCount', value: 7, expected: 'RangeError' },
  { option: 'backupCount', value: 0.5, expected: 'either' },
  { option: 'backupCount', value: '1', expected: 'TypeError' },
  { option: 'asyncBackupCount', value: -1, expected: 'RangeError' },
  { option: 'asyncBackupCount', value: 7, expected: 'RangeError' },
  { option: 'asyncBackupCount', value: 2.5, expected: 'either' },
  { option: 'asyncBackupCount', value: NaN, expected: 'either' },
  { option: 'timeToLiveSeconds', value: -1, expected: 'RangeError' },
  { option: 'timeToLiveSeconds', value: 1.5, expected: 'either' },
  { option: 'timeToLiveSeconds', value: NaN, expected: 'either' },
  { option: 'timeToLiveSeconds', value: '60', expected: 'TypeError' },
  { option: 'inMemoryFormat', value: 'binary', expected: 'either' },
  { option: 'inMemoryFormat', value: 'NATIVE', expected: 'either' },
  { option: 'inMemoryFormat', value: 0, expected: 'either' },
  { option: 'capacty', value: 10, expected: 'either' },
];

const KNOWN_OPTIONS = new Set([
  'capacity',
  'backupCount',
  'asyncBackupCount',
  'timeToLiveSeconds',
  'inMemoryFormat',
]);

/** Asserts the class, code and message of a rejected invalid option. */
function assertInvalidConfig(err: CodedError, invalid: InvalidOption): void {
  if (invalid.expected === 'either') {
    assert.ok(err instanceof TypeError || err instanceof RangeError, `got ${err.name}`);
  } else {
    assert.equal(err.name, invalid.expected);
  }
  assert.equal(err.code, ErrorCode.INVALID_CONFIG);
  if (KNOWN_OPTIONS.has(invalid.option)) {
    assertMessageNamesValue(err, invalid.option, invalid.value);
  } else {
    assertMessageNames(err, invalid.option);
  }
}

/** Returns createClient's rejection. A client that was created after all is shut down. */
async function createClientRejection(options: unknown): Promise<CodedError> {
  const pending = createClient(options as ClientOptions);
  const outcome = await pending.then(
    async (client) => {
      await client.shutdown();
      return undefined;
    },
    (error: CodedError) => error,
  );
  assert.ok(outcome !== undefined, 'createClient resolved for invalid options');
  return outcome;
}

function label(invalid: InvalidOption): string {
  const value = typeof invalid.value === 'string' ? `'${invalid.value}'` : String(invalid.value);
  return `${invalid.option}=${value}`;
}

describe('config defaults', { concurrency: true }, () => {
  test('default capacity is 10000', async (t) => {
    const client = await startClient(t);
    const ring = await client.getRingbuffer(uniqueName());

    assert.equal(await ring.capacity(), 10_000);
  });

  test('default TTL never expires', async (t) => {
    const client = await startClient(t);
    const ring = await client.getRingbuffer(uniqueName(), { capacity: 3 });

    await ring.addAll([1, 2]);

    assert.equal(await ring.remainingCapacity(), 3);
  });

  test('default format returns copies', async (t) => {
    const client = await startClient(t);
    const ring = await client.getRingbuffer<{ n: number }>(uniqueName(), { capacity: 3 });
    const item = { n: 1 };

    await ring.add(item);
    const first = await ring.readOne(0);
    const second = await ring.readOne(0);

    assert.deepEqual(first, item);
    assert.notEqual(first, item);
    assert.notEqual(first, second);
  });

  test('explicit defaults match implicit ones', async (t) => {
    const client = await startClient(t);
    const name = uniqueName();
    const implicit = await client.getRingbuffer<string>(name);
    await implicit.add('a');

    const explicit = await client.getRingbuffer<string>(name, {
      capacity: 10_000,
      backupCount: 1,
      asyncBackupCount: 0,
      timeToLiveSeconds: 0,
      inMemoryFormat: InMemoryFormat.BINARY,
    });

    assert.equal(await explicit.readOne(0), 'a');
  });
});

describe('config valid bounds', { concurrency: true }, () => {
  const valid: RingbufferConfig[] = [
    { capacity: 1 },
    { backupCount: 0, asyncBackupCount: 6 },
    { backupCount: 6, asyncBackupCount: 0 },
    { backupCount: 3, asyncBackupCount: 3 },
    { timeToLiveSeconds: 0 },
    { timeToLiveSeconds: 86_400 },
    { inMemoryFormat: InMemoryFormat.OBJECT },
  ];
  for (const config of valid) {
    test(`config ${JSON.stringify(config)} accepted`, async (t) => {
      const { ring } = await openRing(t, config);

      assert.equal(await ring.capacity(), config.capacity ?? 10_000);
    });
  }

  test('capacity 2^31-1 accepted', async (t) => {
    if (backend.kind === 'cluster') {
      // A member allocates every slot when it creates a ring (Hazelcast 5.7 ArrayRingbuffer),
      // so the test member has no such config: the client accepts the value and finds the
      // member's default capacity.
      const client = await startClient(t);
      const err = await rejectionOf(client.getRingbuffer(uniqueName(), { capacity: 2 ** 31 - 1 }));
      assert.ok(err instanceof ConfigConflictError, `got ${err.name}`);
      assertMessageNames(err, 'capacity=10000', 'capacity=2147483647');
      return;
    }
    const { ring } = await openRing<string>(t, { capacity: 2 ** 31 - 1 });

    await ring.add('a');

    assert.equal(await ring.capacity(), 2 ** 31 - 1);
    assert.equal(await ring.readOne(0), 'a');
  });
});

describe('invalid ring config', { concurrency: true }, () => {
  for (const invalid of INVALID_OPTIONS) {
    test(`getRingbuffer rejects ${label(invalid)}`, async (t) => {
      const client = await startClient(t);
      const config = { [invalid.option]: invalid.value } as RingbufferConfig;

      const err = await rejectionOf(client.getRingbuffer(uniqueName(), config));

      assertInvalidConfig(err, invalid);
    });

    test(`createClient rejects ${label(invalid)}`, async () => {
      const ringbuffers = { [uniqueName()]: { [invalid.option]: invalid.value } };

      const err = await createClientRejection({ ringbuffers });

      assertInvalidConfig(err, invalid);
    });
  }

  test('backup sum above 6 rejected', async (t) => {
    const client = await startClient(t);

    const err = await rejectionOf(
      client.getRingbuffer(uniqueName(), { backupCount: 4, asyncBackupCount: 3 }),
    );

    assert.ok(err instanceof RangeError);
    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
    assertMessageNames(err, 'backupCount=4', 'asyncBackupCount=3');
  });

  test('non-object ring config rejected', async (t) => {
    const client = await startClient(t);

    const err = await rejectionOf(client.getRingbuffer(uniqueName(), 5 as RingbufferConfig));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
  });

  test('invalid config creates no ring', async (t) => {
    const client = await startClient(t);
    const name = uniqueName();
    await rejectionOf(client.getRingbuffer(name, { capacity: 0 }));

    const ring = await client.getRingbuffer(name, { capacity: 4 });

    assert.equal(await ring.capacity(), 4);
  });
});

describe('invalid client options', { concurrency: true }, () => {
  test('non-object options rejected', async () => {
    const err = await createClientRejection(5);

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
  });

  test('unknown client option rejected', async () => {
    const err = await createClientRejection({ ringbufers: {} });

    assert.ok(err instanceof TypeError || err instanceof RangeError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
    assertMessageNames(err, 'ringbufers');
  });

  test('non-object ringbuffers rejected', async () => {
    const err = await createClientRejection({ ringbuffers: 5 });

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
    assertMessageNames(err, 'ringbuffers');
  });

  test('non-object ring entry rejected', async () => {
    const name = uniqueName();

    const err = await createClientRejection({ ringbuffers: { [name]: 'big' } });

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
    assertMessageNames(err, name);
  });
});

describe('config matching', { concurrency: true }, () => {
  test('exact name config applies', async (t) => {
    const name = uniqueName();
    const client = await startClient(t, { ringbuffers: { [name]: { capacity: 7 } } });

    const ring = await client.getRingbuffer(name);

    assert.equal(await ring.capacity(), 7);
  });

  test('prefix wildcard applies', async (t) => {
    const prefix = `${uniqueName('orders')}-`;
    const client = await startClient(t, { ringbuffers: { [`${prefix}*`]: { capacity: 7 } } });

    const ring = await client.getRingbuffer(`${prefix}eu`);

    assert.equal(await ring.capacity(), 7);
  });

  test('longer prefix wins listed last', async (t) => {
    const prefix = `${uniqueName('orders')}-`;
    const client = await startClient(t, {
      ringbuffers: {
        [`${prefix}*`]: { capacity: 5 },
        [`${prefix}eu-*`]: { capacity: 6 },
      },
    });

    const europe = await client.getRingbuffer(`${prefix}eu-1`);
    const america = await client.getRingbuffer(`${prefix}us-1`);

    assert.equal(await europe.capacity(), 6);
    assert.equal(await america.capacity(), 5);
  });

  test('longer prefix wins listed first', async (t) => {
    const prefix = `${uniqueName('orders')}-`;
    const client = await startClient(t, {
      ringbuffers: {
        [`${prefix}eu-*`]: { capacity: 6 },
        [`${prefix}*`]: { capacity: 5 },
      },
    });

    const europe = await client.getRingbuffer(`${prefix}eu-1`);

    assert.equal(await europe.capacity(), 6);
  });

  test('exact name beats wildcard', async (t) => {
    const prefix = `${uniqueName('orders')}-`;
    const client = await startClient(t, {
      ringbuffers: {
        [`${prefix}*`]: { capacity: 5 },
        [`${prefix}1`]: { capacity: 6 },
      },
    });

    const ring = await client.getRingbuffer(`${prefix}1`);

    assert.equal(await ring.capacity(), 6);
  });

  test('default applies without match', async (t) => {
    const prefix = `${uniqueName('orders')}-`;
    const client = await startClient(t, {
      ringbuffers: {
        default: { capacity: 9 },
        [`${prefix}*`]: { capacity: 5 },
      },
    });

    const ring = await client.getRingbuffer(`other-${prefix}1`);

    assert.equal(await ring.capacity(), 9);
  });

  test('wildcard beats default', async (t) => {
    const prefix = `${uniqueName('orders')}-`;
    const client = await startClient(t, {
      ringbuffers: {
        default: { capacity: 9 },
        [`${prefix}*`]: { capacity: 5 },
      },
    });

    const ring = await client.getRingbuffer(`${prefix}1`);

    assert.equal(await ring.capacity(), 5);
  });

  test('matched config ignores default', async (t) => {
    const name = uniqueName();
    const client = await startClient(t, {
      ringbuffers: {
        default: { capacity: 9, timeToLiveSeconds: 3600 },
        [name]: { capacity: 3 },
      },
    });
    const ring = await client.getRingbuffer(name);

    await ring.add('a');

    assert.equal(await ring.capacity(), 3);
    // Without a TTL remainingCapacity stays at capacity, but with the default's TTL it is 2.
    assert.equal(await ring.remainingCapacity(), 3);
  });

  test('unmatched name gets built-in defaults', async (t) => {
    const prefix = `${uniqueName('orders')}-`;
    const client = await startClient(t, { ringbuffers: { [`${prefix}*`]: { capacity: 5 } } });

    const ring = await client.getRingbuffer(`other-${prefix}1`);

    assert.equal(await ring.capacity(), 10_000);
  });

  test('explicit config overrides client config', async (t) => {
    const name = uniqueName();
    const client = await startClient(t, { ringbuffers: { [name]: { capacity: 5 } } });

    const ring = await client.getRingbuffer(name, { capacity: 8 });

    assert.equal(await ring.capacity(), 8);
  });
});

describe('config conflict', { concurrency: true }, () => {
  const conflicts: Array<[string, RingbufferConfig, RingbufferConfig, string, string]> = [
    ['capacity', { capacity: 5 }, { capacity: 6 }, 'capacity=5', 'capacity=6'],
    [
      'timeToLiveSeconds',
      { timeToLiveSeconds: 0 },
      { timeToLiveSeconds: 30 },
      'timeToLiveSeconds=0',
      'timeToLiveSeconds=30',
    ],
    [
      'inMemoryFormat',
      { inMemoryFormat: InMemoryFormat.BINARY },
      { inMemoryFormat: InMemoryFormat.OBJECT },
      'inMemoryFormat=BINARY',
      'inMemoryFormat=OBJECT',
    ],
    ['backupCount', { backupCount: 1 }, { backupCount: 2 }, 'backupCount=1', 'backupCount=2'],
  ];
  for (const [option, existing, requested, existingText, requestedText] of conflicts) {
    test(`conflicting ${option} rejected`, async (t) => {
      const client = await startClient(t);
      const name = uniqueName();
      const ring = await client.getRingbuffer<string>(name, existing);

      const pending = client.getRingbuffer<string>(name, requested);

      if (backend.kind === 'cluster' && option !== 'capacity') {
        // The cluster client reads only the capacity back from the members, so it opens the
        // existing ring without noticing the difference.
        await ring.add('a');
        assert.equal(await (await pending).readOne(0), 'a');
        return;
      }
      const err = await rejectionOf(pending);

      assert.ok(err instanceof ConfigConflictError, `got ${err.name}`);
      assert.equal(err.code, ErrorCode.CONFIG_CONFLICT);
      assertMessageNames(err, existingText, requestedText);
    });
  }

  test('conflict leaves ring intact', async (t) => {
    const client = await startClient(t);
    const name = uniqueName();
    const ring = await client.getRingbuffer<string>(name, { capacity: 5 });
    await ring.addAll(['a', 'b']);

    await rejectionOf(client.getRingbuffer(name, { capacity: 6 }));

    assert.equal(await ring.capacity(), 5);
    assert.equal(await ring.tailSequence(), 1);
    assert.equal(await ring.readOne(1), 'b');
  });

  test('equal config shares the ring', async (t) => {
    const client = await startClient(t);
    const name = uniqueName();
    const first = await client.getRingbuffer<string>(name, { capacity: 5 });
    const second = await client.getRingbuffer<string>(name, {
      capacity: 5,
      timeToLiveSeconds: 0,
    });

    await first.add('a');

    assert.equal(await second.readOne(0), 'a');
  });
});
