/**
 * The BINARY value codec, tested through the real addon. Every supported kind round-trips
 * exactly. Unsupported values, cycles and too-deep values are rejected with a coded error
 * that names the path. Corrupt or truncated bytes are rejected without reading past them.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';

import fc from 'fast-check';

import { binding } from '../src/binding';

/** Nesting limit of arrays and objects, kMaxDepth in native/include/ringcast/codec.h. */
const MAX_DEPTH = 1000;
const FORMAT_VERSION = 1;

interface CodedError extends Error {
  code?: string;
}

function encode(value: unknown, rootPath = 'item'): Buffer {
  return binding.encode(value, rootPath);
}

function decode(bytes: Uint8Array, offset = 0, length = bytes.length - offset): unknown {
  return binding.decode(bytes, offset, length);
}

function roundTrip(value: unknown): unknown {
  return decode(encode(value));
}

function errorOf(fn: () => unknown): CodedError {
  try {
    fn();
  } catch (error) {
    return error as CodedError;
  }
  assert.fail('expected an error, but the call returned');
}

/**
 * Returns where `actual` differs from what decoding `expected` must give, or null. Unlike
 * assert.deepStrictEqual it checks key order, compares invalid Dates as equal, expects
 * holes as own undefined elements and every Uint8Array as a Buffer.
 */
function differenceOf(actual: unknown, expected: unknown, at = 'value'): string | null {
  if (typeof expected !== 'object' || expected === null) {
    if (Object.is(actual, expected)) return null;
    return `${at}: got ${show(actual)}, expected ${show(expected)}`;
  }
  if (typeof actual !== 'object' || actual === null) return `${at}: got ${show(actual)}`;
  if (expected instanceof Date) {
    if (!(actual instanceof Date)) return `${at}: not a Date`;
    return Object.is(actual.getTime(), expected.getTime()) ? null : `${at}: time differs`;
  }
  if (expected instanceof Uint8Array) {
    if (!Buffer.isBuffer(actual)) return `${at}: not a Buffer`;
    return Buffer.compare(actual, expected) === 0 ? null : `${at}: bytes differ`;
  }
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) {
    return `${at}: prototype differs`;
  }
  if (Array.isArray(expected)) {
    const array = actual as unknown[];
    if (array.length !== expected.length) return `${at}: length ${array.length}`;
    for (let i = 0; i < expected.length; i++) {
      if (!Object.hasOwn(array, i)) return `${at}[${i}]: hole`;
      const difference = differenceOf(array[i], expected[i], `${at}[${i}]`);
      if (difference !== null) return difference;
    }
    return null;
  }
  const actualKeys = Reflect.ownKeys(actual);
  const expectedKeys = Object.keys(expected);
  if (JSON.stringify(actualKeys) !== JSON.stringify(expectedKeys)) {
    return `${at}: keys ${JSON.stringify(actualKeys)}, expected ${JSON.stringify(expectedKeys)}`;
  }
  for (const key of expectedKeys) {
    const difference = differenceOf(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      `${at}[${JSON.stringify(key)}]`,
    );
    if (difference !== null) return difference;
  }
  return null;
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  return Object.is(value, -0) ? '-0' : String(value);
}

function assertRoundTrip(value: unknown): void {
  assert.equal(differenceOf(roundTrip(value), value), null);
}

/** Nests `leaf` in `depth` arrays. */
function nestedArrays(depth: number, leaf: unknown = 0): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function assertInvalidValue(value: unknown, expectedPath: string, rootPath = 'item'): void {
  const error = errorOf(() => encode(value, rootPath));
  assert.ok(error instanceof TypeError, `expected a TypeError, got ${error}`);
  assert.equal(error.code, 'RINGCAST_INVALID_VALUE');
  assert.ok(
    error.message.startsWith(`${expectedPath} `),
    `message does not start with the path ${expectedPath}: ${error.message}`,
  );
}

function assertCorrupt(bytes: Uint8Array, offset = 0, length = bytes.length - offset): void {
  const error = errorOf(() => decode(bytes, offset, length));
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'RINGCAST_CORRUPT_DATA', `${error.message}`);
}

/** Builds an encoding by hand: the version byte, then the given bytes and ASCII tags. */
function bytesOf(...parts: (number | string)[]): Buffer {
  const out: number[] = [FORMAT_VERSION];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else for (const char of part) out.push(char.charCodeAt(0));
  }
  return Buffer.from(out);
}

describe('round trip', () => {
  test('int32 numbers', () => {
    for (const n of [0, 1, -1, 42, 2 ** 31 - 1, -(2 ** 31)]) assertRoundTrip(n);
  });

  test('int32 numbers take 4 bytes', () => {
    assert.equal(encode(2 ** 31 - 1).length, 1 + 1 + 4);
  });

  test('other numbers', () => {
    const numbers = [
      0.5,
      -1.25,
      2 ** 31,
      -(2 ** 31) - 1,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      Number.EPSILON,
    ];
    for (const n of numbers) assertRoundTrip(n);
  });

  test('negative zero', () => {
    assert.ok(Object.is(roundTrip(-0), -0));
    assert.ok(Object.is(roundTrip(0), 0));
  });

  test('NaN and infinities', () => {
    assert.ok(Number.isNaN(roundTrip(NaN)));
    assert.equal(roundTrip(Infinity), Infinity);
    assert.equal(roundTrip(-Infinity), -Infinity);
  });

  test('booleans', () => {
    assert.equal(roundTrip(true), true);
    assert.equal(roundTrip(false), false);
  });

  test('null and undefined', () => {
    assert.equal(roundTrip(null), null);
    assert.equal(roundTrip(undefined), undefined);
    assertRoundTrip([null, undefined]);
    assertRoundTrip({ a: null, b: undefined });
  });

  test('empty string', () => {
    assert.equal(roundTrip(''), '');
  });

  test('Latin-1 string', () => {
    const latin1 = 'caf\u00e9 \u00ff\u0000\u007f\u0080';
    assert.equal(roundTrip(latin1), latin1);
    assert.equal(encode(latin1).length, 1 + 2 + latin1.length);
  });

  test('UTF-16 string', () => {
    const text = 'x\u0100y\u20ac\uffff';
    assert.equal(roundTrip(text), text);
    assert.equal(encode(text).length, 1 + 2 + 2 * text.length);
  });

  test('lone high surrogate', () => {
    for (const text of ['\ud800', 'a\ud83d', '\udbffz', '\ud800\ud800']) {
      assert.equal(roundTrip(text), text);
    }
  });

  test('lone low surrogate', () => {
    for (const text of ['\udc00', 'a\udfff', '\ude00\ud83d']) {
      assert.equal(roundTrip(text), text);
    }
  });

  test('astral characters', () => {
    const text = '\u{1F600} \u{1D11E} \u{10FFFF}';
    assert.equal(roundTrip(text), text);
  });

  test('long strings', () => {
    const latin1 = 'abc\u00e9'.repeat(50_000);
    const utf16 = 'ab\u{1F600}'.repeat(50_000);
    assert.equal(roundTrip(latin1), latin1);
    assert.equal(roundTrip(utf16), utf16);
  });

  test('small bigints', () => {
    for (const n of [0n, 1n, -1n, 2n ** 63n, -(2n ** 64n) + 1n]) {
      assert.equal(roundTrip(n), n);
    }
  });

  test('big and negative bigints', () => {
    const big = 3n ** 2000n + 12345n;
    assert.equal(roundTrip(big), big);
    assert.equal(roundTrip(-big), -big);
    assert.equal(roundTrip(2n ** 256n), 2n ** 256n);
  });

  test('empty array', () => {
    assertRoundTrip([]);
  });

  test('empty object', () => {
    assertRoundTrip({});
  });

  test('holes read back as undefined', () => {
    // eslint-disable-next-line no-sparse-arrays
    const decoded = roundTrip([1, , 3]) as unknown[];
    assert.equal(decoded.length, 3);
    assert.ok(Object.hasOwn(decoded, 1));
    assert.equal(decoded[1], undefined);
  });

  test('sparse array keeps its length', () => {
    const sparse: unknown[] = [];
    sparse[9] = 'last';
    const decoded = roundTrip(sparse) as unknown[];
    assert.equal(decoded.length, 10);
    assert.equal(decoded[9], 'last');
  });

  test('plain object prototype', () => {
    assert.equal(Object.getPrototypeOf(roundTrip({ a: 1 })), Object.prototype);
  });

  test('null-prototype object', () => {
    const value = Object.assign(Object.create(null) as object, { a: 1, b: [2] });
    const decoded = roundTrip(value) as object;
    assert.equal(Object.getPrototypeOf(decoded), null);
    assert.equal(differenceOf(decoded, value), null);
  });

  test('key order', () => {
    assertRoundTrip({ z: 1, a: 2, 10: 3, 2: 4, m: 5, '-1': 6, '01': 7 });
  });

  test('__proto__ key stays an own property', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object;
    const decoded = roundTrip(value) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.ok(Object.hasOwn(decoded, '__proto__'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(differenceOf(decoded, value), null);
  });

  test('keys of every string kind', () => {
    assertRoundTrip({
      ascii: 1,
      '': 2,
      'caf\u00e9': 3,
      'a\u0000b': 4,
      '\u043a\u043b\u044e\u0447': 5,
      '\u{1F600}': 6,
      '\ud800': 7,
    });
  });

  test('nested containers', () => {
    assertRoundTrip({
      user: { name: 'ada', tags: ['a', ['b', { c: [] }]], meta: {} },
      list: [[], [[]], [{}, { x: [1n, null, new Date(5)] }]],
    });
  });

  test('large array', () => {
    const kinds = [(i: number) => `s${i}`, (i: number) => i * 0.5, (i: number) => ({ i, at: [i] })];
    assertRoundTrip(Array.from({ length: 10_000 }, (_, i) => kinds[i % 3](i)));
  });

  test('large object', () => {
    const value: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) value[`key${i}`] = { i, s: `v${i}` };
    value['n\u00e9'] = 'non-ASCII key after the first chunks';
    assertRoundTrip(value);
  });

  test('Date', () => {
    for (const time of [0, 1_700_000_000_123, -1, 8.64e15, -8.64e15]) {
      const decoded = roundTrip(new Date(time));
      assert.ok(decoded instanceof Date);
      assert.equal(decoded.getTime(), time);
    }
  });

  test('invalid Date', () => {
    const decoded = roundTrip(new Date(NaN));
    assert.ok(decoded instanceof Date);
    assert.ok(Number.isNaN(decoded.getTime()));
  });

  test('Buffer', () => {
    const decoded = roundTrip(Buffer.from([0, 1, 254, 255]));
    assert.ok(Buffer.isBuffer(decoded));
    assert.deepEqual([...decoded], [0, 1, 254, 255]);
  });

  test('empty Buffer', () => {
    const decoded = roundTrip(Buffer.alloc(0));
    assert.ok(Buffer.isBuffer(decoded));
    assert.equal(decoded.length, 0);
  });

  test('Uint8Array reads back as Buffer', () => {
    const decoded = roundTrip(new Uint8Array([7, 8, 9]));
    assert.ok(Buffer.isBuffer(decoded));
    assert.deepEqual([...decoded], [7, 8, 9]);
  });

  test('Uint8Array view keeps only its bytes', () => {
    const view = new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 3);
    assert.deepEqual([...(roundTrip(view) as Buffer)], [2, 3]);
  });

  test('getters are read as data', () => {
    const decoded = roundTrip({
      get computed() {
        return 42;
      },
    });
    assert.deepEqual(Object.getOwnPropertyDescriptor(decoded, 'computed'), {
      value: 42,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  });

  test('getter that encodes again', () => {
    const inner = encode({ x: 'inner' });
    const value = {
      before: 'outer',
      get nested() {
        return encode({ x: 'inner' });
      },
      after: [1, 2],
    };
    const decoded = roundTrip(value) as { nested: Buffer };
    assert.equal(differenceOf(decoded, { before: 'outer', nested: inner, after: [1, 2] }), null);
  });

  test('non-enumerable properties are skipped', () => {
    const value = { shown: 1 };
    Object.defineProperty(value, 'hidden', { value: 2, enumerable: false });
    Object.defineProperty(value, Symbol('hidden'), { value: 3, enumerable: false });
    assert.equal(differenceOf(roundTrip(value), { shown: 1 }), null);
  });

  test('shared references become copies', () => {
    const shared = { n: 1 };
    const decoded = roundTrip({ a: shared, b: shared }) as Record<string, object>;
    assert.equal(differenceOf(decoded, { a: { n: 1 }, b: { n: 1 } }), null);
    assert.notEqual(decoded.a, decoded.b);
  });

  test('format version 1 bytes', () => {
    // The example in docs/FORMAT.md. Stored bytes must keep decoding to the same value.
    const golden = '017b0373016969010000007301737301e973017777010101';
    const value = { i: 1, s: '\u00e9', w: '\u0101' };
    assert.equal(encode(value).toString('hex'), golden);
    assert.equal(differenceOf(decode(Buffer.from(golden, 'hex')), value), null);
  });
});

describe('fresh copies', () => {
  test('mutating a decoded Buffer', () => {
    const bytes = encode({ data: Buffer.from([1, 2, 3]) });
    const first = decode(bytes) as { data: Buffer };
    first.data[0] = 99;
    const second = decode(bytes) as { data: Buffer };
    assert.equal(second.data[0], 1);
  });

  test('mutating the encoded bytes', () => {
    const bytes = encode(Buffer.from([1, 2, 3]));
    const decoded = decode(bytes) as Buffer;
    bytes.fill(0, 2);
    assert.deepEqual([...decoded], [1, 2, 3]);
  });

  test('mutating the source after encode', () => {
    const source = { list: [1, 2], data: Buffer.from([5]) };
    const bytes = encode(source);
    source.list.push(3);
    source.data[0] = 6;
    assert.equal(differenceOf(decode(bytes), { list: [1, 2], data: Buffer.from([5]) }), null);
  });

  test('each decode makes new objects', () => {
    const bytes = encode({ a: [1] });
    const first = decode(bytes) as { a: number[] };
    const second = decode(bytes) as { a: number[] };
    assert.notEqual(first, second);
    assert.notEqual(first.a, second.a);
  });
});

describe('unsupported values', () => {
  class Point {
    x = 1;
  }
  class Items extends Array {}

  const cases: [string, () => unknown][] = [
    ['function', () => () => 1],
    ['class', () => Point],
    ['symbol', () => Symbol('s')],
    ['class instance', () => new Point()],
    ['Array subclass', () => Items.from([1])],
    ['prototype not Object.prototype', () => Object.create({ inherited: 1 })],
    ['Map', () => new Map([[1, 2]])],
    ['Set', () => new Set([1])],
    ['WeakMap', () => new WeakMap()],
    ['boxed number', () => Object(1)],
    ['boxed string', () => Object('s')],
    ['boxed boolean', () => Object(true)],
    ['boxed bigint', () => Object(1n)],
    ['Float64Array', () => new Float64Array(1)],
    ['Int8Array', () => new Int8Array(1)],
    ['Uint8ClampedArray', () => new Uint8ClampedArray(1)],
    ['DataView', () => new DataView(new ArrayBuffer(1))],
    ['ArrayBuffer', () => new ArrayBuffer(1)],
    ['RegExp', () => /x/],
    ['Error', () => new Error('e')],
    ['Promise', () => Promise.resolve()],
  ];

  for (const [name, make] of cases) {
    test(`${name} at the root`, () => {
      assertInvalidValue(make(), 'item');
    });

    test(`${name} nested`, () => {
      assertInvalidValue({ user: { tags: ['a', 'b', make()] } }, 'item.user.tags[2]');
    });
  }

  test('message says what is supported', () => {
    const error = errorOf(() => encode({ f: () => 1 }));
    assert.match(error.message, /^item\.f is a function/);
    assert.match(error.message, /plain objects/);
  });

  test('enumerable symbol key', () => {
    assertInvalidValue({ meta: { [Symbol('tag')]: 1 } }, 'item.meta[Symbol(tag)]');
  });

  test('keys that need quotes in the path', () => {
    assertInvalidValue({ 'a b': { '"q"': [() => 1] } }, 'item["a b"]["\\"q\\""][0]');
  });

  test('caller-given root path', () => {
    assertInvalidValue([Symbol('x')], 'items[3][0]', 'items[3]');
  });

  test('getter error passes through', () => {
    const thrown = new Error('getter failed');
    const value = {
      get broken() {
        throw thrown;
      },
    };
    assert.equal(errorOf(() => encode(value)), thrown);
  });

  test('encoding longer than the maximum', () => {
    // The encoder rejects the buffer before reading it, so its zeroed pages stay untouched.
    const error = errorOf(() => encode({ blob: new Uint8Array(2 ** 31) }));
    assert.ok(error instanceof RangeError);
    assert.equal(error.code, 'RINGCAST_VALUE_TOO_LARGE');
    assert.match(error.message, /item\.blob/);
  });

  test('encode after a rejection', () => {
    const before = encode({ a: 'same' });
    errorOf(() => encode({ a: 'same', b: 'x'.repeat(10_000), f: () => 1 }));
    assert.deepEqual(encode({ a: 'same' }), before);
  });

  test('rootPath must be a string', () => {
    const error = errorOf(() => binding.encode(1, undefined as unknown as string));
    assert.ok(error instanceof TypeError);
    assert.equal(error.code, 'RINGCAST_INVALID_ARGUMENT');
  });
});

describe('cycles', () => {
  test('self reference', () => {
    const value: Record<string, unknown> = { a: 1 };
    value.self = value;
    const error = errorOf(() => encode(value));
    assert.ok(error instanceof TypeError);
    assert.equal(error.code, 'RINGCAST_INVALID_VALUE');
    assert.match(error.message, /^item\.self refers to its ancestor item,/);
  });

  test('cycle below the root', () => {
    const inner: Record<string, unknown> = {};
    const value = { a: { b: inner } };
    inner.c = value.a;
    const error = errorOf(() => encode(value));
    assert.equal(error.code, 'RINGCAST_INVALID_VALUE');
    assert.match(error.message, /^item\.a\.b\.c refers to its ancestor item\.a,/);
  });

  test('cycle through an array', () => {
    const list: unknown[] = [1, 2];
    list.push({ back: list });
    const error = errorOf(() => encode({ list }));
    assert.equal(error.code, 'RINGCAST_INVALID_VALUE');
    assert.match(error.message, /^item\.list\[2\]\.back refers to its ancestor item\.list,/);
  });

  test('cycle that starts deep', () => {
    const loop: Record<string, unknown> = {};
    loop.next = { again: loop };
    const value = nestedArrays(50, loop);
    const error = errorOf(() => encode(value));
    assert.ok(error instanceof TypeError);
    assert.equal(error.code, 'RINGCAST_INVALID_VALUE');
    assert.match(error.message, /\.next\.again refers to its ancestor /);
  });
});

describe('depth', () => {
  test('maximum depth round-trips', () => {
    assertRoundTrip(nestedArrays(MAX_DEPTH));
  });

  test('maximum depth of objects round-trips', () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < MAX_DEPTH; i++) value = { k: value };
    assertRoundTrip(value);
  });

  test('one level too deep', () => {
    const error = errorOf(() => encode(nestedArrays(MAX_DEPTH + 1)));
    assert.ok(error instanceof RangeError);
    assert.equal(error.code, 'RINGCAST_VALUE_TOO_DEEP');
    assert.match(error.message, /^item\[0\]\[0\]/);
  });

  test('empty container too deep', () => {
    const error = errorOf(() => encode(nestedArrays(MAX_DEPTH, [])));
    assert.ok(error instanceof RangeError);
    assert.equal(error.code, 'RINGCAST_VALUE_TOO_DEEP');
  });

  test('maximum depth in a worker', async () => {
    // A worker thread has a smaller stack than the main thread (4 MB by default).
    const root = path.join(__dirname, '..');
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const binding = require('node-gyp-build')(workerData.root);
      let value = 'leaf';
      for (let i = 0; i < workerData.depth; i++) value = i % 2 ? [value] : { k: value };
      const bytes = binding.encode(value, 'item');
      let node = binding.decode(bytes, 0, bytes.length);
      let depth = 0;
      while (typeof node === 'object') { node = Array.isArray(node) ? node[0] : node.k; depth++; }
      parentPort.postMessage({ depth, leaf: node });
    `;
    const worker = new Worker(source, { eval: true, workerData: { root, depth: MAX_DEPTH } });
    const result = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.deepEqual(result, { depth: MAX_DEPTH, leaf: 'leaf' });
  });
});

describe('corrupt data', () => {
  const samples: [string, unknown][] = [
    ['object', { id: 7, name: 'caf\u00e9', tags: ['a', '\u20ac'], at: new Date(1) }],
    ['bigint', -(2n ** 70n)],
    ['buffer', Buffer.from([1, 2, 3])],
    ['nested arrays', [[1.5], [], [null, [true]]]],
    ['null-prototype object', Object.assign(Object.create(null) as object, { k: 'v' })],
  ];

  for (const [name, value] of samples) {
    test(`every truncation of ${name}`, () => {
      // The full encoding sits in the buffer, so reading past `length` would succeed.
      const bytes = encode(value);
      for (let length = 0; length < bytes.length; length++) assertCorrupt(bytes, 0, length);
    });
  }

  test('trailing byte', () => {
    const bytes = Buffer.concat([encode({ a: 1 }), Buffer.from([0x5f])]);
    assertCorrupt(bytes);
  });

  test('unknown format version', () => {
    const bytes = encode('x');
    bytes[0] = FORMAT_VERSION + 1;
    const error = errorOf(() => decode(bytes));
    assert.equal(error.code, 'RINGCAST_CORRUPT_DATA');
    assert.match(error.message, /format version/);
  });

  test('zeroed bytes', () => {
    assertCorrupt(Buffer.alloc(16));
  });

  test('unknown tag', () => {
    assertCorrupt(bytesOf('?'));
    assertCorrupt(bytesOf(0));
  });

  test('key that is not a string', () => {
    assertCorrupt(bytesOf('{', 1, 'i', 1, 0, 0, 0, '_'));
  });

  test('count larger than the input', () => {
    assertCorrupt(bytesOf('[', 0xff, 0xff, 0xff, 0xff, 0x0f, '_'));
    assertCorrupt(bytesOf('{', 2, 's', 0, '_'));
  });

  test('malformed length prefix', () => {
    // A redundant zero group, and a value above 2^32 - 1.
    assertCorrupt(bytesOf('s', 0x81, 0x00, 'a'));
    assertCorrupt(bytesOf('B', 0xff, 0xff, 0xff, 0xff, 0x1f));
  });

  test('bigint sign byte', () => {
    assertCorrupt(bytesOf('Z', 2, 0));
  });

  test('nesting deeper than the maximum', () => {
    const depth = MAX_DEPTH + 1;
    const parts: (number | string)[] = [];
    for (let i = 0; i < depth; i++) parts.push('[', 1);
    parts.push('0');
    assertCorrupt(bytesOf(...parts));
    // The same bytes with one level less are valid.
    const valid = decode(bytesOf(...parts.slice(2)));
    assert.equal(differenceOf(valid, nestedArrays(MAX_DEPTH, null)), null);
  });

  test('range inside a larger buffer', () => {
    const value = { a: 'x', b: [1, 2] };
    const bytes = encode(value);
    const framed = Buffer.concat([Buffer.from([0xee, 0xee, 0xee]), bytes, Buffer.from([0xee])]);
    assert.equal(differenceOf(decode(framed, 3, bytes.length), value), null);
    assertCorrupt(framed, 3, bytes.length - 1);
    assertCorrupt(framed, 2, bytes.length);
  });

  test('random corruption never crashes', () => {
    const sample = encode({ s: 'text', n: [1, 2.5, -3n], d: new Date(0), b: Buffer.from('hi') });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(sample.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const bytes = Buffer.from(sample);
          for (const [index, byte] of edits) bytes[index] = byte;
          try {
            decode(bytes);
          } catch (error) {
            assert.equal((error as CodedError).code, 'RINGCAST_CORRUPT_DATA');
          }
        },
      ),
      { seed: 20241204, numRuns: 2000 },
    );
  });

  test('decode range outside the buffer', () => {
    const bytes = encode(1);
    for (const [offset, length] of [
      [0, bytes.length + 1],
      [1, bytes.length],
      [bytes.length + 1, 0],
      [-1, 1],
      [0.5, 1],
    ]) {
      const error = errorOf(() => binding.decode(bytes, offset, length));
      assert.ok(error instanceof RangeError, `offset=${offset} length=${length}`);
      assert.equal(error.code, 'RINGCAST_INVALID_ARGUMENT');
    }
  });

  test('decode of a non-byte array', () => {
    const error = errorOf(() => binding.decode(new Uint16Array(4) as unknown as Uint8Array, 0, 1));
    assert.ok(error instanceof TypeError);
    assert.equal(error.code, 'RINGCAST_INVALID_ARGUMENT');
  });
});

describe('property test', () => {
  /** Any UTF-16 code unit, so strings include lone surrogates. */
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
  const text = fc.string({ unit: codeUnit, maxLength: 20 });
  const leaf = fc.oneof(
    text,
    fc.string({ unit: 'binary', maxLength: 10 }),
    fc.double(),
    fc.integer(),
    fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31)),
    fc.boolean(),
    fc.bigInt(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: false }),
    fc.constant(null).map(() => new Date(NaN)),
    fc.uint8Array({ maxLength: 16 }),
    fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
  );
  const supportedValue = fc.anything({
    key: fc.oneof(text, fc.constantFrom('__proto__', 'constructor', '0', '1', '-0')),
    values: [leaf],
    maxDepth: 4,
    maxKeys: 6,
    withNullPrototype: true,
    withSparseArray: true,
    withBoxedValues: false,
    withMap: false,
    withSet: false,
    withObjectString: false,
    withTypedArray: false,
  });

  test('supported values round-trip', () => {
    fc.assert(
      fc.property(supportedValue, (value) => {
        assert.equal(differenceOf(roundTrip(value), value), null);
      }),
      { seed: 4242, numRuns: 1000 },
    );
  });
});
