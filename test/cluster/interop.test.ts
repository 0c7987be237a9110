/**
 * Items that ringcast's cluster backend writes are read back through an independent path:
 * a plain hazelcast-client instance without ringcast, which decodes Hazelcast's standard
 * serialization as the Java and Python clients do. ringcast writes and reads String and
 * JSON items itself, so those are compared byte for byte and value for value with what
 * that client writes and reads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HazelcastJsonValue } from 'hazelcast-client';

import { serializationOf, TextSerializer } from '../../src/cluster/serialization';
import { createClient, ErrorCode } from '../../src/index';
import { ringSuffix } from '../helpers/member';
import { startOfficialClient } from '../helpers/official';
import { clusterOptions, rejectionOf, uniqueName, type CodedError } from '../helpers/ring';

test('official client reads ringcast items', { timeout: 60_000 }, async (t) => {
  const options = clusterOptions();
  const client = await createClient({ cluster: options });
  t.after(() => client.shutdown());
  const name = uniqueName('interop') + ringSuffix(10, 0, 'BINARY');
  const ring = await client.getRingbuffer<unknown>(name);
  const items = [
    'héllo 🌍',
    '',
    'ü'.repeat(40_000),
    42.5,
    { id: 7, tags: ['a', 'b'], nested: { ok: true } },
    [1, 'x'],
  ];
  const last = await ring.addAll(items);

  const plain = await startOfficialClient(t);
  const official = await plain.getRingbuffer<unknown>(name);
  assert.equal((await official.tailSequence()).toNumber(), last);
  for (let i = 0; i < items.length; i++) {
    assert.deepEqual(await official.readOne(last - items.length + 1 + i), items[i], `item ${i}`);
  }
});

test('negative bigints never stored altered', { timeout: 60_000 }, async (t) => {
  const options = clusterOptions();
  const client = await createClient({ cluster: options });
  t.after(() => client.shutdown());
  const name = uniqueName('bigint') + ringSuffix(1000, 0, 'BINARY');
  const ring = await client.getRingbuffer<bigint>(name);
  const values = [-1n, -2n, -128n, -129n, -255n, -256n, -(2n ** 63n), -(2n ** 64n) - 1n];

  const stored: bigint[] = [];
  for (const value of values) {
    try {
      await ring.add(value);
      stored.push(value);
    } catch (error) {
      assert.equal((error as CodedError).code, ErrorCode.INVALID_VALUE, `add(${value})`);
    }
  }

  // Values the client encodes correctly are stored, and the rest are rejected, never altered.
  assert.deepEqual(stored, [-2n, -128n, -(2n ** 63n), -(2n ** 64n) - 1n]);
  const plain = await startOfficialClient(t);
  const official = await plain.getRingbuffer<bigint>(name);
  const read = await official.readMany(0, stored.length, stored.length);
  assert.deepEqual([...read], stored);
});

test('readMany matches official client reads', { timeout: 60_000 }, async (t) => {
  const options = clusterOptions();
  const plain = await startOfficialClient(t);
  const name = uniqueName('read-back') + ringSuffix(100, 0, 'BINARY');
  const official = await plain.getRingbuffer<unknown>(name);
  // Strings and JSON, which ringcast decodes from their bytes, around other types, which it
  // leaves to hazelcast-client.
  const written = [
    '',
    'plain',
    'héllo 🌍 \u0000 end',
    'ü'.repeat(40_000),
    { id: 7, text: 'ß∂ƒ', list: [1, 'two', null, { deep: true }] },
    [],
    42.5,
    true,
    Buffer.from([0, 255, 7]),
    new HazelcastJsonValue('{"raw":"json","n":-0.5}'),
    'last',
  ];
  await official.addAll(written);
  const expected = [...(await official.readMany(0, written.length, written.length))];

  const client = await createClient({ cluster: options });
  t.after(() => client.shutdown());
  const ring = await client.getRingbuffer<unknown>(name);
  const result = await ring.readMany(0, written.length, written.length);

  assert.deepEqual([...result], expected);
  assert.equal(expected[3], 'ü'.repeat(40_000));
  assert.deepEqual(expected[9], { raw: 'json', n: -0.5 });
});

test('text bytes match client serialization', { timeout: 60_000 }, async (t) => {
  const plain = await startOfficialClient(t);
  const serialization = serializationOf(plain);
  const text = TextSerializer.of(serialization);
  assert.ok(text, 'hazelcast-client 5.7 serializes text as TextSerializer expects');

  const values = [
    '',
    'a',
    'héllo 🌍 \u0000 end',
    'ü'.repeat(40_000),
    new HazelcastJsonValue('{"id":7,"text":"ß∂ƒ","list":[1,"two",null]}'),
    new HazelcastJsonValue('[]'),
  ];
  for (const value of values) {
    const ours = text.serialize(value);
    assert.ok(serialization.isData(ours), `${String(value).slice(0, 20)} is serialized`);
    assert.deepEqual(ours.toBuffer(), serialization.toData(value).toBuffer());
  }
  // Other values are left to the client's serializers.
  for (const value of [42.5, true, Buffer.from([1]), [1, 2], { a: 1 }]) {
    assert.equal(text.serialize(value), value);
  }
});

test('invalid JSON item rejects coded', { timeout: 60_000 }, async (t) => {
  const plain = await startOfficialClient(t);
  const name = uniqueName('bad-json') + ringSuffix(10, 0, 'BINARY');
  const official = await plain.getRingbuffer<unknown>(name);
  // Another client can store JSON text that does not parse.
  await official.addAll([new HazelcastJsonValue('not json'), 'after']);

  const client = await createClient({ cluster: clusterOptions() });
  t.after(() => client.shutdown());
  const ring = await client.getRingbuffer<unknown>(name);

  const manyError = (await rejectionOf(ring.readMany(0, 1, 2))) as CodedError;
  assert.equal(manyError.code, ErrorCode.CLUSTER_ERROR);
  assert.match(manyError.message, /readMany of sequences 0 to 1/);
  const oneError = (await rejectionOf(ring.readOne(0))) as CodedError;
  assert.equal(oneError.code, ErrorCode.CLUSTER_ERROR);
  // The items after it still read.
  assert.deepEqual([...(await ring.readMany(1, 1, 1))], ['after']);
});
