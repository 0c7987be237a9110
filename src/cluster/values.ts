/**
 * Values on the cluster, in Hazelcast's standard serialization so Java, Python and other
 * clients of the same cluster read what Node wrote: strings as String, numbers as Double,
 * booleans as Boolean, bigint as BigInteger, Date as java.util.Date, Buffer and Uint8Array
 * as byte[] (read back as Buffer), and plain objects and arrays as HazelcastJsonValue (JSON
 * text).
 *
 * A value that one of these forms would change (JSON drops undefined, turns NaN into null,
 * -0 into 0 and Date into a string; UTF-8 cannot carry a lone surrogate) is rejected with
 * a TypeError naming its path, so nothing stored differs from what was added.
 */
import { HazelcastJsonValue } from 'hazelcast-client';

import { ErrorCode, rangeError, typeError } from '../errors';
import { describe } from '../validate';

/** The nesting depth the JSON check walks before it rejects a value, as the embedded codec. */
const MAX_DEPTH = 1000;

function invalidValue(path: string, value: unknown, reason: string): never {
  throw typeError(
    ErrorCode.INVALID_VALUE,
    `${path}=${describe(value)} cannot be stored on the cluster: ${reason}`,
  );
}

/** String.prototype.isWellFormed (Node.js 20+), which lib ES2022 does not declare. */
type WellFormedString = string & { isWellFormed(): boolean };

/** Returns whether `value` has no lone surrogate, which UTF-8 cannot encode. */
function isWellFormed(value: string): boolean {
  return (value as WellFormedString).isWellFormed();
}

function checkString(path: string, value: string): void {
  if (!isWellFormed(value)) {
    invalidValue(path, value, 'it contains a lone surrogate, which UTF-8 cannot encode');
  }
}

/**
 * Returns the path that names an item in errors: `item` for add's (`index` -1), `items[2]`
 * for the third of addAll's, followed by `suffix`. Built only for an error, so a valid batch
 * formats no string per item.
 */
export function itemPath(index: number, suffix = ''): string {
  return `${index < 0 ? 'item' : `items[${index}]`}${suffix}`;
}

/**
 * Returns whether hazelcast-client encodes `value` as the BigInteger it is.
 * NOTE: hazelcast-client 5.7.0 (BigDecimalUtil.bigIntToBuffer) writes -1n as no bytes and
 * drops the sign byte of a negative bigint whose two's complement needs one, so -129n
 * reaches the member as 127. Those values are rejected until the client is fixed.
 */
function encodesExactly(value: bigint): boolean {
  if (value >= 0n) return true;
  if (value === -1n) return false;
  // The client writes the bytes of |value| - 1, inverted, with no sign byte of its own.
  let hex = (-value - 1n).toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Number.parseInt(hex.slice(0, 2), 16) < 0x80;
}

/**
 * Returns whether JSON.stringify then JSON.parse gives back `value` exactly, as checkJson
 * decides, but without building the path of every field. `ancestors` are the objects and
 * arrays that contain `value`, so a repeat among them is a cycle. When this returns false,
 * checkJson walks the value again to name the bad field in its error.
 */
function isExactJson(value: unknown, ancestors: object[]): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'boolean':
      return true;
    case 'string':
      return isWellFormed(value);
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (ancestors.length >= MAX_DEPTH || ancestors.includes(value)) return false;
  ancestors.push(value);
  let exact = true;
  if (Array.isArray(value)) {
    for (let i = 0; exact && i < value.length; i++) {
      exact = i in value && isExactJson(value[i], ancestors);
    }
  } else {
    const prototype = Object.getPrototypeOf(value);
    exact = prototype === Object.prototype || prototype === null;
    // for-in rather than Object.keys, which allocates an array per object. It also visits
    // enumerable fields inherited from Object.prototype, which can only make this stricter.
    if (exact) {
      const fields = value as Record<string, unknown>;
      for (const key in fields) {
        if (!isWellFormed(key) || !isExactJson(fields[key], ancestors)) {
          exact = false;
          break;
        }
      }
    }
  }
  ancestors.pop();
  return exact;
}

/** Throws unless JSON.stringify then JSON.parse gives back `value` exactly. */
function checkJson(path: string, value: unknown, depth: number, seen: Set<object>): void {
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'string') {
    checkString(path, value);
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Object.is(value, -0)) {
      invalidValue(path, value, 'JSON has no NaN, Infinity or -0; store the number on its own');
    }
    return;
  }
  if (typeof value !== 'object') {
    invalidValue(path, value, 'inside an object or array only JSON values are stored');
  }
  if (depth >= MAX_DEPTH) {
    throw rangeError(
      ErrorCode.VALUE_TOO_DEEP,
      `${path} is nested deeper than maxDepth=${MAX_DEPTH} arrays and objects; flatten the value`,
    );
  }
  if (seen.has(value)) invalidValue(path, value, 'it refers to itself (a cycle)');
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) invalidValue(`${path}[${i}]`, undefined, 'the array has a hole');
      checkJson(`${path}[${i}]`, value[i], depth + 1, seen);
    }
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      invalidValue(path, value, 'inside an object or array only plain objects are stored');
    }
    for (const [key, field] of Object.entries(value)) {
      checkString(`${path} key`, key);
      checkJson(`${path}.${key}`, field, depth + 1, seen);
    }
  }
  seen.delete(value);
}

/**
 * Converts an item to the form the official client serializes with Hazelcast's standard
 * serializers. `index` and `suffix` name the value in errors, as itemPath does.
 * @throws TypeError (code RINGCAST_INVALID_VALUE) for a value that form would change;
 *   RangeError (code RINGCAST_VALUE_TOO_DEEP) for one nested deeper than 1000 levels.
 */
export function toClusterValue(item: unknown, index = -1, suffix = ''): unknown {
  switch (typeof item) {
    case 'string':
      if (!isWellFormed(item)) checkString(itemPath(index, suffix), item);
      return item;
    case 'number':
    case 'boolean':
      return item;
    case 'bigint':
      if (!encodesExactly(item)) {
        invalidValue(
          itemPath(index, suffix),
          item,
          'hazelcast-client 5.7.0 would store a different number',
        );
      }
      return item;
    case 'object':
      break;
    default:
      invalidValue(
        itemPath(index, suffix),
        item,
        'expected a string, number, boolean, bigint, Date or JSON value',
      );
  }
  if (item instanceof Date) {
    if (Number.isNaN(item.getTime())) {
      invalidValue(itemPath(index, suffix), item, 'the Date is invalid');
    }
    return item;
  }
  if (item instanceof Uint8Array) {
    // A copy, so later writes to the caller's bytes cannot reach the request. The client
    // serializes a Buffer, and only a Buffer, as byte[].
    return Buffer.from(item);
  }
  if (ArrayBuffer.isView(item)) {
    invalidValue(
      itemPath(index, suffix),
      item,
      'of binary data only Buffer and Uint8Array are stored',
    );
  }
  if (!isExactJson(item, [])) checkJson(itemPath(index, suffix), item, 0, new Set());
  return new HazelcastJsonValue(JSON.stringify(item));
}
