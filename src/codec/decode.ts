/**
 * Decoder of format v1 (docs/FORMAT.md) in JavaScript, which returns the same values as the
 * native decoder (`binding.decode`) without a Node-API call per property.
 *
 * It accepts exactly the encodings that the native validator accepts. When it finds a
 * problem in the bytes, or the JavaScript stack runs out, it hands the whole encoding to
 * the native decoder, so corrupt data gets the native RINGCAST_CORRUPT_DATA error and
 * message. Keys of up to KEY_CACHE_MAX_LENGTH Latin-1 bytes come from a fixed-size cache,
 * so a key read again is not created again.
 */
import { binding } from '../binding';
import * as format from './format';
import type { StringBuffer } from './format';

// Copied into module constants: a loader that compiles imports to getters (tsx) would
// otherwise call a getter on every use in the hot loops.
const {
  FORMAT_VERSION,
  MAX_BIGINT_WORDS,
  MAX_DEPTH,
  MAX_ENCODED_LENGTH,
  MAX_STRING_LENGTH,
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

/** Strings shorter than this are built by a loop instead of a Buffer method. */
const SHORT_STRING = 9;

const KEY_CACHE_SLOTS = 4096;
const KEY_CACHE_MAX_LENGTH = 32;

/** Bigints of more 64-bit words than this go to the native decoder. */
const LINEAR_BIGINT_WORDS = 64;

const objectPrototype = Object.prototype;
const defineProperty = Object.defineProperty;
const objectCreate = Object.create;
const fromCharCode = String.fromCharCode;

/** Thrown inside the decoder when the native decoder has to decode the whole encoding. */
const USE_NATIVE: unique symbol = Symbol('USE_NATIVE');

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && error.message === 'Maximum call stack size exceeded';
}

/** Direct-mapped cache of decoded keys, indexed by a hash of their bytes. */
const keyCache: Array<string | undefined> = new Array<string | undefined>(KEY_CACHE_SLOTS).fill(
  undefined,
);

// The state of the decode in progress. decodeValue() saves and restores it, so a decode
// started from code that a decode runs (an index setter on Array.prototype) is correct.
let bytes: StringBuffer = Buffer.alloc(0) as StringBuffer;
let position = 0;
let end = 0;
let depth = 0;

const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);

/**
 * Decodes the value stored in buffer[offset, offset + length). Throws an Error with code
 * RINGCAST_CORRUPT_DATA when the bytes are not a valid encoding.
 */
export function decodeValue(buffer: Uint8Array, offset: number, length: number): unknown {
  const savedBytes = bytes;
  const savedPosition = position;
  const savedEnd = end;
  const savedDepth = depth;
  bytes = (
    Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.length)
  ) as StringBuffer;
  position = offset;
  end = offset + length;
  depth = 0;
  try {
    if (length === 0 || length > MAX_ENCODED_LENGTH || end > bytes.length) throw USE_NATIVE;
    if (bytes[position++] !== FORMAT_VERSION) throw USE_NATIVE;
    const value = readValue();
    if (position !== end) throw USE_NATIVE;
    return value;
  } catch (error) {
    if (error !== USE_NATIVE && !isStackOverflow(error)) throw error;
    return binding.decode(buffer, offset, length);
  } finally {
    bytes = savedBytes;
    position = savedPosition;
    end = savedEnd;
    depth = savedDepth;
  }
}

function readValue(): unknown {
  if (position >= end) throw USE_NATIVE;
  const tag = bytes[position++];
  switch (tag) {
    case INT32: {
      if (position + 4 > end) throw USE_NATIVE;
      const value =
        bytes[position] |
        (bytes[position + 1] << 8) |
        (bytes[position + 2] << 16) |
        (bytes[position + 3] << 24);
      position += 4;
      return value;
    }
    case FLOAT64:
      return readFloat64();
    case LATIN1_STRING:
      return readLatin1(readVarU32());
    case UTF16_STRING:
      return readUtf16(readVarU32());
    case OBJECT:
      return readObject(false);
    case NULL_PROTO_OBJECT:
      return readObject(true);
    case ARRAY:
      return readArray();
    case TRUE:
      return true;
    case FALSE:
      return false;
    case NULL:
      return null;
    case UNDEFINED:
      return undefined;
    case DATE:
      // new Date() clips the time value as napi_create_date does: NaN outside ±8.64e15,
      // else truncated to an integer.
      return new Date(readFloat64());
    case BYTES:
      return readBytes();
    case BIGINT:
      return readBigInt();
    default:
      throw USE_NATIVE;
  }
}

function readFloat64(): number {
  if (position + 8 > end) throw USE_NATIVE;
  for (let i = 0; i < 8; i++) float64Bytes[i] = bytes[position + i];
  position += 8;
  return float64[0];
}

// Unsigned LEB128 of at most 5 bytes, within 32 bits, with no redundant zero group.
function readVarU32(): number {
  if (position < end) {
    const first = bytes[position];
    if (first < 0x80) {
      position++;
      return first;
    }
  }
  let result = 0;
  for (let i = 0; i < 5; i++) {
    if (position + i >= end) throw USE_NATIVE;
    const byte = bytes[position + i];
    if ((i === 4 && byte > 0x0f) || (i > 0 && byte === 0)) throw USE_NATIVE;
    result += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) {
      position += i + 1;
      return result;
    }
  }
  throw USE_NATIVE;
}

function readLatin1(length: number): string {
  if (length > MAX_STRING_LENGTH || position + length > end) throw USE_NATIVE;
  const start = position;
  position += length;
  if (length < SHORT_STRING) {
    let text = '';
    for (let i = start; i < position; i++) text += fromCharCode(bytes[i]);
    return text;
  }
  return bytes.latin1Slice(start, position);
}

function readUtf16(length: number): string {
  if (length > MAX_STRING_LENGTH || position + 2 * length > end) throw USE_NATIVE;
  const start = position;
  position += 2 * length;
  return bytes.ucs2Slice(start, position);
}

function readKey(): string {
  if (position >= end) throw USE_NATIVE;
  const tag = bytes[position++];
  if (tag === UTF16_STRING) return readUtf16(readVarU32());
  if (tag !== LATIN1_STRING) throw USE_NATIVE;
  const length = readVarU32();
  if (length > KEY_CACHE_MAX_LENGTH || position + length > end) return readLatin1(length);

  let hash = length;
  for (let i = position; i < position + length; i++) hash = (Math.imul(hash, 31) + bytes[i]) | 0;
  const slot = hash & (KEY_CACHE_SLOTS - 1);
  const cached = keyCache[slot];
  if (cached !== undefined && cached.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cached.charCodeAt(i) !== bytes[position + i]) {
        same = false;
        break;
      }
    }
    if (same) {
      position += length;
      return cached;
    }
  }
  const key = internalize(readLatin1(length));
  keyCache[slot] = key;
  return key;
}

/**
 * Returns V8's internalized copy of `key`, which property lookups compare by identity, so
 * a cached key skips the string table on every use.
 */
function internalize(key: string): string {
  return Object.keys({ [key]: 0 })[0];
}

function enterContainer(): void {
  if (++depth > MAX_DEPTH) throw USE_NATIVE;
}

function readArray(): unknown[] {
  const length = readVarU32();
  if (length > end - position) throw USE_NATIVE;
  enterContainer();
  // Elements are set as natively (napi_set_element is an ordinary [[Set]]).
  const array = new Array<unknown>(length);
  for (let i = 0; i < length; i++) array[i] = readValue();
  depth--;
  return array;
}

// Each key becomes an own data property, as napi_define_properties makes it. Assignment
// does the same unless Object.prototype has the key: "__proto__", a setter or a read-only
// property there would take the assignment, so those keys are defined instead.
function readObject(nullPrototype: boolean): object {
  const count = readVarU32();
  // A property takes at least 3 bytes.
  if (3 * count > end - position) throw USE_NATIVE;
  enterContainer();
  const object: Record<string, unknown> = nullPrototype ? objectCreate(null) : {};
  for (let i = 0; i < count; i++) {
    const key = readKey();
    const value = readValue();
    if (nullPrototype || !(key in objectPrototype)) {
      object[key] = value;
    } else {
      defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
    }
  }
  depth--;
  return object;
}

function readBytes(): Buffer {
  const length = readVarU32();
  if (position + length > end) throw USE_NATIVE;
  // A Buffer that owns its memory, as napi_create_buffer_copy makes.
  // NOTE: a backing store per Buffer makes a 1 KiB Buffer decode at 0.07x the speed of
  // msgpackr's unpack, which returns views (bench/RESULTS.md, workload 6). Copying into a
  // pooled slab would close most of that gap, but then `buffer.buffer` is the slab.
  const copy = Buffer.allocUnsafeSlow(length);
  bytes.copy(copy, 0, position, position + length);
  position += length;
  return copy;
}

function readBigInt(): bigint {
  if (position >= end) throw USE_NATIVE;
  const sign = bytes[position++];
  if (sign > 1) throw USE_NATIVE;
  const words = readVarU32();
  if (words > MAX_BIGINT_WORDS || position + 8 * words > end) throw USE_NATIVE;
  // Word by word costs time quadratic in the size, so native decode takes large ones.
  if (words > LINEAR_BIGINT_WORDS) throw USE_NATIVE;
  let magnitude = 0n;
  for (let i = words - 1; i >= 0; i--) {
    magnitude = (magnitude << 64n) | bytes.readBigUInt64LE(position + 8 * i);
  }
  position += 8 * words;
  return sign === 1 ? -magnitude : magnitude;
}
