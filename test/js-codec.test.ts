/**
 * The JavaScript codec (src/codec) against the native one, through the real addon. The
 * encoder writes the native encoder's bytes or throws its error. The decoder returns what
 * the native decoder returns or throws its error. The native entry points that store
 * encoded bytes check them before storing.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import v8 from 'node:v8';

import fc from 'fast-check';

import { binding, type RingHandle } from '../src/binding';
import { decodeValue } from '../src/codec/decode';
import { releaseWriter, takeWriter, ValueWriter } from '../src/codec/encode';

interface CodedError extends Error {
  code?: string;
}

type Outcome = { bytes: Buffer } | { error: CodedError };

function outcomeOf(run: () => Buffer): Outcome {
  try {
    return { bytes: run() };
  } catch (error) {
    return { error: error as CodedError };
  }
}

function decodeOutcomeOf(run: () => unknown): { value: unknown } | { error: CodedError } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: error as CodedError };
  }
}

function jsEncode(value: unknown, rootPath = 'item'): Buffer {
  const writer = new ValueWriter();
  writer.write(value, rootPath);
  return Buffer.from(writer.buffer.subarray(0, writer.position));
}

/** Asserts that the JavaScript encoder gives the native encoder's bytes or error. */
function assertSameEncoding(value: unknown): void {
  const native = outcomeOf(() => binding.encode(value, 'item'));
  const js = outcomeOf(() => jsEncode(value));
  if ('bytes' in native) {
    assert.ok('bytes' in js, `JavaScript encoder threw: ${'error' in js && js.error.message}`);
    assert.equal(js.bytes.toString('hex'), native.bytes.toString('hex'));
    return;
  }
  assert.ok('error' in js, 'JavaScript encoder accepted a value the native one rejects');
  assert.equal(js.error.constructor, native.error.constructor);
  assert.equal(js.error.code, native.error.code);
  assert.equal(js.error.message, native.error.message);
}

/**
 * Asserts that two decoded values are the same: v8.serialize keeps types, property order,
 * holes, -0 and invalid Dates, and the prototypes are compared too. It also distinguishes a
 * small integer stored as a double from one stored as an integer, which no JavaScript code
 * can see, so different bytes are compared again with deepStrictEqual.
 */
function assertSameValue(actual: unknown, expected: unknown): void {
  if (!v8.serialize(actual).equals(v8.serialize(expected))) {
    assert.deepStrictEqual(actual, expected);
  }
  if (typeof expected === 'object' && expected !== null) {
    assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected));
  }
}

// Strings of any UTF-16 code units (lone surrogates included), of Latin-1 units, and long
// ones that take the Buffer-method paths.
const codeUnitString = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
});
const latin1String = fc.string({
  unit: fc.integer({ min: 0, max: 0xff }).map((unit) => String.fromCharCode(unit)),
});
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  codeUnitString,
  latin1String,
  fc.string({ unit: 'binary', minLength: 60, maxLength: 300 }),
  latin1String.map((text) => text.repeat(20)),
);
const anyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 53),
  fc.maxSafeInteger(),
);
const anyValue = fc.anything({
  key: fc.oneof(anyString, fc.constantFrom('__proto__', 'toString', 'constructor', '0', '1')),
  values: [anyString, anyNumber, fc.boolean(), fc.constant(null), fc.constant(undefined)],
  withBigInt: true,
  withDate: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withObjectString: true,
  maxDepth: 4,
});

describe('JavaScript encoder', () => {
  test('same bytes or error as native', () => {
    fc.assert(
      fc.property(anyValue, (value) => assertSameEncoding(value)),
      { numRuns: 2000 },
    );
  });

  test('same bytes for edge values', () => {
    const values: unknown[] = [
      -0,
      NaN,
      2 ** 31,
      -(2 ** 31),
      0.1,
      'é',
      'ā',
      '\uD800',
      'x'.repeat(64),
      'x'.repeat(63) + 'ā',
      'ā'.repeat(200),
      'a'.repeat(200) + '\uDC00',
      'x'.repeat(300),
      [1, , 3], // eslint-disable-line no-sparse-arrays
      new Array(130),
      Object.assign(Object.create(null), { b: 1, 2: 'two', a: 3 }),
      JSON.parse('{"__proto__": {"a": 1}}'),
      new Date(Number.NaN),
      new Date(8.64e15),
      Buffer.from('bytes'),
      new Uint8Array([1, 2, 3, 4]).subarray(1, 3),
      0n,
      -(2n ** 64n),
      2n ** 200n + 5n,
      { ['k'.repeat(200)]: 'v'.repeat(200) },
    ];
    for (const value of values) assertSameEncoding(value);
  });

  test('bigints past the JS limit', () => {
    // Up to 64 words the JS encoder writes them, from 2 ** 4096 on the native one.
    const values = [2n ** 4095n, -(2n ** 4096n - 1n), 2n ** 4096n, -(2n ** 20000n) + 3n];
    for (const value of values) {
      assertSameEncoding(value);
      const bytes = binding.encode(value, 'item');
      assert.equal(decodeValue(bytes, 0, bytes.length), value);
    }
  });

  test('detached and shrunk views', () => {
    const transferred = new ArrayBuffer(4);
    const detached = new Uint8Array(transferred);
    structuredClone(transferred, { transfer: [transferred] });
    const resizable = new (ArrayBuffer as unknown as new (
      length: number,
      options: { maxByteLength: number },
    ) => ArrayBuffer & { resize(length: number): void })(8, { maxByteLength: 8 });
    const shrunk = new Uint8Array(resizable, 4, 4);
    resizable.resize(2);
    for (const view of [detached, shrunk]) {
      assertSameEncoding(view);
      assertSameEncoding({ view });
    }
  });

  test('getters read once', () => {
    let reads = 0;
    const value = {
      get counted() {
        reads++;
        return reads;
      },
    };
    const expected = binding.encode({ counted: 1 }, 'item');
    assert.equal(jsEncode(value).toString('hex'), expected.toString('hex'));
    assert.equal(reads, 1);
  });

  test('rejections match native', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const deepCycle: Record<string, unknown> = {};
    let deepCycleValue: unknown = { back: deepCycle };
    for (let i = 0; i < 40; i++) deepCycleValue = [deepCycleValue];
    deepCycle.loop = deepCycleValue;
    let tooDeep: unknown = 'leaf';
    for (let i = 0; i < 1001; i++) tooDeep = { k: tooDeep };
    let maxDepth: unknown = 'leaf';
    for (let i = 0; i < 1000; i++) maxDepth = [maxDepth];
    class Point {
      x = 1;
    }
    const values: unknown[] = [
      () => 1,
      Symbol('s'),
      new Map([['k', 1]]),
      new Point(),
      { nested: { list: [1, new Set()] } },
      new Proxy({ a: 1 }, {}),
      { inner: new Proxy([1, 2], {}) },
      { [Symbol('key')]: 1 },
      Object.defineProperty({ a: 1 }, Symbol('hidden'), { value: 2, enumerable: false }),
      new Float64Array(2),
      new Uint8ClampedArray(2),
      new DataView(new ArrayBuffer(2)),
      Object.assign([1, 2], { extra: true }),
      Object.setPrototypeOf([1], Object.prototype),
      Object.setPrototypeOf(new Uint8Array(2), null),
      Object.setPrototypeOf({ a: 1 }, Array.prototype),
      cyclic,
      deepCycle,
      tooDeep,
      maxDepth,
    ];
    for (const value of values) assertSameEncoding(value);
  });

  test('getter error passes through', () => {
    const thrown = new Error('getter failed');
    const value = {
      get broken() {
        throw thrown;
      },
    };
    const outcome = outcomeOf(() => jsEncode(value));
    assert.ok('error' in outcome);
    assert.equal(outcome.error, thrown);
  });

  test('root path names items', () => {
    const writer = new ValueWriter();
    writer.write('first', 'items', 0);
    const error = outcomeOf(() => {
      writer.writeAll(['ok', { bad: () => 1 }]);
      return Buffer.alloc(0);
    });
    assert.ok('error' in error);
    assert.equal(error.error.code, 'RINGCAST_INVALID_VALUE');
    assert.match(error.error.message, /^items\[1\]\.bad is a function/);
    // The failed batch appended nothing.
    assert.equal(writer.position, binding.encode('first', 'item').length);
  });

  test('writeAll ends match native lengths', () => {
    const items = [1, 'two', { three: [3] }, 'x'.repeat(5000)];
    const writer = takeWriter();
    try {
      const ends = writer.writeAll(items);
      let start = 0;
      items.forEach((item, i) => {
        const native = binding.encode(item, 'item');
        assert.equal(ends[i] - start, native.length);
        assert.ok(writer.buffer.subarray(start, ends[i]).equals(native));
        start = ends[i];
      });
    } finally {
      releaseWriter(writer);
    }
  });
});

describe('JavaScript decoder', () => {
  test('same value as native', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        let bytes: Buffer;
        try {
          bytes = binding.encode(value, 'item');
        } catch {
          return;
        }
        const expected = binding.decode(bytes, 0, bytes.length);
        assertSameValue(decodeValue(bytes, 0, bytes.length), expected);
      }),
      { numRuns: 2000 },
    );
  });

  test('decodes inside a larger buffer', () => {
    const bytes = binding.encode({ a: [1, 'b'] }, 'item');
    const frame = Buffer.concat([Buffer.from([9, 9, 9]), bytes, Buffer.from([9])]);
    const expected = binding.decode(bytes, 0, bytes.length);
    assertSameValue(decodeValue(frame, 3, bytes.length), expected);
    const plain = new Uint8Array(frame);
    assertSameValue(decodeValue(plain, 3, bytes.length), expected);
  });

  test('keys that Object.prototype has', () => {
    const bytes = binding.encode(JSON.parse('{"__proto__": 1, "toString": 2, "a": 3}'), 'item');
    const value = decodeValue(bytes, 0, bytes.length) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__', 'toString', 'a']);
    assert.equal(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, 1);
  });

  test('buffers own their memory', () => {
    const bytes = binding.encode(Buffer.from('abc'), 'item');
    const value = decodeValue(bytes, 0, bytes.length) as Buffer;
    assert.ok(Buffer.isBuffer(value));
    assert.equal(value.buffer.byteLength, 3);
    bytes.fill(0);
    assert.equal(value.toString(), 'abc');
  });

  test('corrupt bytes give the native error', () => {
    const valid = binding.encode({ id: 1, tags: ['a', 'ā'], n: 1.5, big: 2n ** 70n }, 'item');
    const mutated = fc.tuple(fc.nat(valid.length - 1), fc.nat(255), fc.nat(valid.length));
    const corrupted = mutated.map(([at, byte, cut]) => {
      const copy = Buffer.from(valid);
      copy[at] = byte;
      return copy.subarray(0, cut);
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), corrupted), (bytes) => {
        const native = decodeOutcomeOf(() => binding.decode(bytes, 0, bytes.length));
        const js = decodeOutcomeOf(() => decodeValue(bytes, 0, bytes.length));
        if ('value' in native) {
          assert.ok('value' in js);
          assertSameValue(js.value, native.value);
          return;
        }
        assert.ok('error' in js);
        assert.equal(js.error.code, 'RINGCAST_CORRUPT_DATA');
        assert.equal(js.error.message, native.error.message);
      }),
      { numRuns: 3000 },
    );
  });

  test('depth limit matches native', () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < 1000; i++) value = i % 2 ? [value] : { k: value };
    const bytes = binding.encode(value, 'item');
    assertSameValue(decodeValue(bytes, 0, bytes.length), binding.decode(bytes, 0, bytes.length));
    // One more array around it: version, '[', count 1, then the old value.
    const deeper = Buffer.concat([Buffer.from([1, 0x5b, 1]), bytes.subarray(1)]);
    const error = outcomeOf(() => Buffer.from(String(decodeValue(deeper, 0, deeper.length))));
    assert.ok('error' in error);
    assert.equal(error.error.code, 'RINGCAST_CORRUPT_DATA');
  });
});

function openRing(t: TestContext, capacity = 8): RingHandle {
  const name = `js-codec-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const { handle } = binding.ringOpen(name, capacity, 0, 0, 0);
  t.after(() => binding.ringDestroy(handle));
  return handle;
}

function tailOf(handle: RingHandle): number {
  const out = new Float64Array(3);
  binding.ringState(handle, out);
  return out[1];
}

describe('ringAddEncoded and ringAddAllEncoded', () => {
  test('store checked bytes', (t) => {
    const handle = openRing(t);
    const bytes = Buffer.concat([Buffer.from([7]), binding.encode({ a: 1 }, 'item')]);
    assert.equal(binding.ringAddEncoded(handle, bytes, 1, bytes.length - 1, false), 0);
    const status = new Int32Array(1);
    assert.deepEqual(binding.ringReadOne(handle, 0, status), { a: 1 });
  });

  test('invalid bytes stored nowhere', (t) => {
    const handle = openRing(t);
    const bytes = Buffer.from([1, 0x73, 5, 0x61]);
    let error = outcomeOf(() => {
      binding.ringAddEncoded(handle, bytes, 0, bytes.length, false);
      return bytes;
    });
    assert.ok('error' in error);
    assert.equal(error.error.code, 'RINGCAST_CORRUPT_DATA');
    assert.match(error.error.message, /^the encoded bytes of item are not a valid encoding/);
    assert.equal(tailOf(handle), -1);

    const good = binding.encode('good', 'item');
    const batch = Buffer.concat([good, bytes, good]);
    const ends = new Uint32Array([good.length, good.length + bytes.length, batch.length]);
    error = outcomeOf(() => {
      binding.ringAddAllEncoded(handle, batch, ends, 3, false);
      return batch;
    });
    assert.ok('error' in error);
    assert.equal(error.error.code, 'RINGCAST_CORRUPT_DATA');
    assert.match(error.error.message, /^the encoded bytes of items\[1\]/);
    assert.equal(tailOf(handle), -1);
  });

  test('batch stored atomically', (t) => {
    const handle = openRing(t, 4);
    const items = ['a', { b: 2 }, [3]];
    const writer = new ValueWriter();
    const ends = writer.writeAll(items);
    assert.equal(binding.ringAddAllEncoded(handle, writer.buffer, ends, 3, false), 2);
    const frame = binding.ringReadMany(handle, 0, 10, 1 << 20);
    assert.equal(frame.readUInt32LE(8), 3);
    // FAIL with more items than the capacity stores none.
    const five = new ValueWriter();
    const fiveEnds = five.writeAll([1, 2, 3, 4, 5]);
    assert.equal(binding.ringAddAllEncoded(handle, five.buffer, fiveEnds, 5, true), -1);
    assert.equal(tailOf(handle), 2);
  });

  test('argument errors name the argument', (t) => {
    const handle = openRing(t);
    const bytes = binding.encode(1, 'item');
    const notBytes = [1] as unknown as Uint8Array;
    const notEnds = [5] as unknown as Uint32Array;
    const addOne = (offset: number, length: number, data: Uint8Array = bytes) =>
      binding.ringAddEncoded(handle, data, offset, length, false);
    const addAll = (ends: Uint32Array, count: number) =>
      binding.ringAddAllEncoded(handle, bytes, ends, count, false);
    const cases: Array<[() => unknown, string, RegExp]> = [
      [() => addOne(0, 1, notBytes), 'TypeError', /^bytes must be/],
      [() => addOne(0, bytes.length + 1), 'RangeError', /^length=7 is not valid/],
      [() => addOne(1.5, 1), 'RangeError', /^offset=1.5 is not valid/],
      [() => addAll(new Uint32Array([9]), 1), 'RangeError', /^ends\[0\]=9 is not valid/],
      [() => addAll(new Uint32Array([5]), 0), 'RangeError', /^count=0/],
      [() => addAll(new Uint32Array([5]), 2), 'RangeError', /^count=2 is not valid/],
      [() => addAll(notEnds, 1), 'TypeError', /^ends must be/],
    ];
    for (const [run, type, message] of cases) {
      const outcome = outcomeOf(() => {
        run();
        return bytes;
      });
      assert.ok('error' in outcome, String(message));
      assert.equal(outcome.error.constructor.name, type);
      assert.equal(outcome.error.code, 'RINGCAST_INVALID_ARGUMENT');
      assert.match(outcome.error.message, message);
    }
    assert.equal(tailOf(handle), -1);
  });
});
