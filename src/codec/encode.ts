/**
 * Encoder of format v1 (docs/FORMAT.md) in JavaScript, which writes exactly the bytes of
 * the native encoder (`binding.encode`) without a Node-API call per property.
 *
 * It handles every value the format stores. A value that the format rejects is handed to
 * the native encoder whole: a function, a class instance, a Proxy, a symbol key, a cycle,
 * too deep or too long. So the error, its code and its message are the native ones. The
 * native encoder also takes over when the JavaScript stack runs out.
 */
import { types } from 'node:util';

import { binding } from '../binding';
import * as format from './format';
import type { StringBuffer } from './format';

// Copied into module constants: a loader that compiles imports to getters (tsx) would
// otherwise call a getter on every use in the hot loops.
const {
  FORMAT_VERSION,
  MAX_DEPTH,
  MAX_ENCODED_LENGTH,
} = format;
const {
  ARRAY,
  BIGINT,
  BYTES,
  DATE,
  FALSE,
  FLOAT64,
  INT32,
  LATIN1_STRING,
  NULL,
  NULL_PROTO_OBJECT,
  OBJECT,
  TRUE,
  UNDEFINED,
  UTF16_STRING,
} = format.Tag;

/** From this nesting level on, a container is compared with its ancestors (as natively). */
const CYCLE_CHECK_DEPTH = 32;

/** Strings from this length on are written by Buffer methods instead of a loop. */
const LONG_STRING = 64;

const INITIAL_BYTES = 4096;

/** A writer whose buffer grew past this size gets a small one back after use. */
const RETAINED_BYTES = 1 << 20;

const NON_LATIN1 = /[^\x00-\xff]/;

/** Bigints from 2 ** this on go to the native encoder. */
const LINEAR_BIGINT_BITS = 64n * 64n;

const objectPrototype = Object.prototype;
const arrayPrototype = Array.prototype;
const getPrototypeOf = Object.getPrototypeOf;
const objectKeys = Object.keys;
const ownSymbols = Object.getOwnPropertySymbols;
const isArray = Array.isArray;
const { isProxy, isDate, isUint8Array } = types;
// The intrinsics, because a Date or Uint8Array subclass may override the methods.
const dateTime = Date.prototype.getTime;
const typedArrayLength = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  'length',
)!.get as (this: Uint8Array) => number;

/** Thrown inside the writer when the native encoder has to encode the whole value. */
const USE_NATIVE: unique symbol = Symbol('USE_NATIVE');

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && error.message === 'Maximum call stack size exceeded';
}

/**
 * Appends encodings to one growing buffer: bytes [0, position) of `buffer`. The buffer is
 * replaced when it grows, so read `buffer` after the last write.
 */
export class ValueWriter {
  buffer!: StringBuffer;
  position = 0;
  #view!: DataView;
  /** Start of the value being written, for the encoded length limit. */
  #start = 0;
  #depth = 0;
  readonly #ancestors: unknown[] = [];
  #ends = new Uint32Array(16);

  constructor() {
    this.#replaceBuffer(INITIAL_BYTES);
  }

  /** Empties the writer and releases a buffer that grew large. */
  reset(): void {
    this.position = 0;
    if (this.buffer.length > RETAINED_BYTES) this.#replaceBuffer(INITIAL_BYTES);
    if (this.#ends.byteLength > RETAINED_BYTES) this.#ends = new Uint32Array(16);
  }

  /**
   * Appends the encodings of `items` and returns the end position of each in the first
   * items.length elements of a Uint32Array that the writer reuses. Errors name an item
   * `items[i]`. On an error nothing is appended.
   */
  writeAll(items: readonly unknown[]): Uint32Array {
    const count = items.length;
    if (this.#ends.length < count) {
      this.#ends = new Uint32Array(Math.max(count, 2 * this.#ends.length));
    }
    const ends = this.#ends;
    const start = this.position;
    try {
      for (let i = 0; i < count; i++) {
        this.write(items[i], 'items', i);
        ends[i] = this.position;
      }
    } catch (error) {
      this.position = start;
      throw error;
    }
    return ends;
  }

  /**
   * Appends the encoding of `value` (version byte included). Errors name the value
   * `rootName`, or `rootName[index]` when an index is given, as `binding.encode` does with
   * that root path. On an error nothing is appended.
   */
  write(value: unknown, rootName: string, index = -1): void {
    const start = this.position;
    this.#start = start;
    try {
      this.#reserve(1);
      this.buffer[this.position++] = FORMAT_VERSION;
      this.#writeValue(value);
    } catch (error) {
      this.position = start;
      this.#ancestors.fill(undefined, 0, this.#depth);
      this.#depth = 0;
      if (error !== USE_NATIVE && !isStackOverflow(error)) throw error;
      this.#appendNative(value, index < 0 ? rootName : `${rootName}[${index}]`);
    }
  }

  // NOTE: a getter that already ran before the native encoder takes over runs again
  // there. That happens only for a value that also contains something the format rejects,
  // a Proxy or a symbol key, or when the JavaScript stack runs out.
  #appendNative(value: unknown, rootPath: string): void {
    const bytes = binding.encode(value, rootPath);
    this.#reserve(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
  }

  #writeValue(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.#writeString(value);
        return;
      case 'number':
        this.#writeNumber(value);
        return;
      case 'boolean':
        this.#reserve(1);
        this.buffer[this.position++] = value ? TRUE : FALSE;
        return;
      case 'undefined':
        this.#reserve(1);
        this.buffer[this.position++] = UNDEFINED;
        return;
      case 'object':
        if (value === null) {
          this.#reserve(1);
          this.buffer[this.position++] = NULL;
          return;
        }
        this.#writeObject(value);
        return;
      case 'bigint':
        this.#writeBigInt(value);
        return;
      default:
        throw USE_NATIVE;
    }
  }

  #writeNumber(value: number): void {
    this.#reserve(9);
    const buffer = this.buffer;
    let position = this.position;
    if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
      buffer[position++] = INT32;
      buffer[position++] = value;
      buffer[position++] = value >> 8;
      buffer[position++] = value >> 16;
      buffer[position++] = value >> 24;
    } else {
      buffer[position++] = FLOAT64;
      this.#view.setFloat64(position, value, true);
      position += 8;
    }
    this.position = position;
  }

  // Latin-1 when every code unit is at most 0xFF, else UTF-16 code units, lone
  // surrogates included.
  #writeString(text: string): void {
    const length = text.length;
    this.#checkBudget(2 * length + 6);
    this.#reserve(6 + 2 * length);
    const buffer = this.buffer;
    const start = this.position;
    let position = this.#writeHeader(start, LATIN1_STRING, length);
    if (length < LONG_STRING) {
      for (let i = 0; i < length; i++) {
        const unit = text.charCodeAt(i);
        if (unit > 0xff) {
          this.#writeUtf16(text, start);
          return;
        }
        buffer[position++] = unit;
      }
      this.position = position;
      return;
    }
    if (NON_LATIN1.test(text)) {
      this.#writeUtf16(text, start);
      return;
    }
    this.position = position + buffer.latin1Write(text, position, length);
  }

  /** Writes `text` as UTF-16 at `start`, in room that the caller reserved. */
  #writeUtf16(text: string, start: number): void {
    const length = text.length;
    const buffer = this.buffer;
    let position = this.#writeHeader(start, UTF16_STRING, length);
    if (length < LONG_STRING) {
      for (let i = 0; i < length; i++) {
        const unit = text.charCodeAt(i);
        buffer[position++] = unit;
        buffer[position++] = unit >> 8;
      }
      this.position = position;
      return;
    }
    this.position = position + buffer.ucs2Write(text, position, 2 * length);
  }

  /** Writes a tag and a varu32 at `position` and returns the position after them. */
  #writeHeader(position: number, tag: number, count: number): number {
    this.buffer[position] = tag;
    return this.#writeVarU32(position + 1, count);
  }

  /** Writes `count` as unsigned LEB128 at `position` and returns the position after it. */
  #writeVarU32(position: number, count: number): number {
    const buffer = this.buffer;
    while (count >= 0x80) {
      buffer[position++] = (count & 0x7f) | 0x80;
      count >>>= 7;
    }
    buffer[position++] = count;
    return position;
  }

  #writeObject(value: object): void {
    // Checked first, because reading a Proxy's prototype runs its trap.
    if (isProxy(value)) throw USE_NATIVE;
    const prototype = getPrototypeOf(value);
    if (isArray(value)) {
      if (prototype !== arrayPrototype) throw USE_NATIVE;
      this.#writeArray(value);
    } else if (prototype === objectPrototype) {
      this.#writeProperties(value, OBJECT);
    } else if (prototype === null) {
      this.#writeProperties(value, NULL_PROTO_OBJECT);
    } else if (isUint8Array(value)) {
      this.#writeBytes(value);
    } else if (isDate(value)) {
      this.#reserve(9);
      this.buffer[this.position++] = DATE;
      this.#view.setFloat64(this.position, dateTime.call(value), true);
      this.position += 8;
    } else {
      throw USE_NATIVE;
    }
  }

  #writeArray(array: unknown[]): void {
    this.#enter(array);
    const length = array.length;
    this.#reserve(6);
    this.position = this.#writeHeader(this.position, ARRAY, length);
    for (let i = 0; i < length; i++) {
      this.#checkBudget(1);
      // A hole reads as undefined, or as an index inherited from the prototype.
      this.#writeValue(array[i]);
    }
    this.#leave();
  }

  // Own enumerable string keys in property order, accessors read through their getters.
  // Any symbol key goes to the native encoder, which rejects an enumerable one and skips
  // the others.
  #writeProperties(object: object, tag: number): void {
    this.#enter(object);
    const keys = objectKeys(object);
    if (ownSymbols(object).length !== 0) throw USE_NATIVE;
    const count = keys.length;
    this.#reserve(6);
    this.position = this.#writeHeader(this.position, tag, count);
    for (let i = 0; i < count; i++) {
      const key = keys[i];
      this.#writeString(key);
      this.#writeValue((object as Record<string, unknown>)[key]);
    }
    this.#leave();
  }

  #writeBytes(bytes: Uint8Array): void {
    const length = typedArrayLength.call(bytes);
    this.#checkBudget(length + 6);
    this.#reserve(length + 6);
    this.position = this.#writeHeader(this.position, BYTES, length);
    // A view of a detached or shrunk buffer has length 0, and set() would throw for it.
    if (length !== 0) this.buffer.set(bytes, this.position);
    this.position += length;
  }

  // Sign byte, then the magnitude in 64-bit words, least significant first, with no high
  // zero words.
  #writeBigInt(value: bigint): void {
    const negative = value < 0n;
    let magnitude = negative ? -value : value;
    // Word by word costs time quadratic in the size, so the native encoder, which is
    // linear, takes large ones.
    if (magnitude >> LINEAR_BIGINT_BITS !== 0n) throw USE_NATIVE;
    let words = 0;
    for (let rest = magnitude; rest !== 0n; rest >>= 64n) words++;
    this.#checkBudget(8 * words + 7);
    this.#reserve(7 + 8 * words);
    this.buffer[this.position++] = BIGINT;
    this.buffer[this.position++] = negative ? 1 : 0;
    this.position = this.#writeVarU32(this.position, words);
    for (let i = 0; i < words; i++) {
      this.#view.setBigUint64(this.position, BigInt.asUintN(64, magnitude), true);
      this.position += 8;
      magnitude >>= 64n;
    }
  }

  #enter(container: object): void {
    const depth = ++this.#depth;
    if (depth > CYCLE_CHECK_DEPTH) {
      const ancestors = this.#ancestors;
      for (let i = 0; i < depth - 1; i++) if (ancestors[i] === container) throw USE_NATIVE;
      if (depth > MAX_DEPTH) throw USE_NATIVE;
    }
    this.#ancestors[depth - 1] = container;
  }

  #leave(): void {
    this.#ancestors[--this.#depth] = undefined;
  }

  /** Hands the value to the native encoder when `bytes` more would pass the length limit. */
  #checkBudget(bytes: number): void {
    if (this.position - this.#start + bytes > MAX_ENCODED_LENGTH) throw USE_NATIVE;
  }

  /** Makes room for `bytes` more bytes. */
  #reserve(bytes: number): void {
    if (this.position + bytes > this.buffer.length) this.#grow(this.position + bytes);
  }

  #grow(needed: number): void {
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const old = this.buffer;
    this.#replaceBuffer(size);
    old.copy(this.buffer, 0, 0, this.position);
  }

  #replaceBuffer(size: number): void {
    this.buffer = Buffer.allocUnsafeSlow(size) as StringBuffer;
    this.#view = new DataView(this.buffer.buffer, 0, size);
  }
}

let idleWriter: ValueWriter | undefined;

/**
 * Lends out this thread's writer, empty. A call made while it is lent out (from a getter
 * that adds to a ring) gets a new one. Give it back with releaseWriter().
 */
export function takeWriter(): ValueWriter {
  const writer = idleWriter ?? new ValueWriter();
  idleWriter = undefined;
  return writer;
}

export function releaseWriter(writer: ValueWriter): void {
  writer.reset();
  idleWriter = writer;
}
