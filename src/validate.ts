/** Argument checks shared by the backends; each failure names the argument and its value. */
import { AbortError, ErrorCode, rangeError, typeError } from './errors';

/** Formats a value for an error message without throwing on symbols or cycles. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (Array.isArray(value)) return `[array of length ${value.length}]`;
  if (value !== null && typeof value === 'object') return `[object ${value.constructor?.name ?? 'null'}]`;
  return String(value);
}

/**
 * Converts a sequence or count argument (number or bigint) to a number.
 * @throws TypeError for other types; RangeError for a value that is not a safe integer.
 */
export function toSafeInteger(name: string, value: unknown): number {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw rangeError(
        ErrorCode.INVALID_ARGUMENT,
        `${name}=${value}n is not a safe integer; expected an integer from ` +
          `${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`,
      );
    }
    return Number(value);
  }
  if (typeof value !== 'number') {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `${name}=${describe(value)} is invalid; expected a number or bigint`,
    );
  }
  if (!Number.isSafeInteger(value)) {
    throw rangeError(
      ErrorCode.INVALID_ARGUMENT,
      `${name}=${describe(value)} is not a safe integer; expected an integer from ` +
        `${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`,
    );
  }
  return value;
}

/** Raises a RangeError with the INVALID_ARGUMENT code. */
export function invalidRange(message: string): never {
  throw rangeError(ErrorCode.INVALID_ARGUMENT, message);
}

/** Converts an overflowPolicy argument to whether the add fails when the ring is full. */
export function toFailOnOverflow(policy: unknown): boolean {
  if (policy === 'OVERWRITE') return false;
  if (policy === 'FAIL') return true;
  throw typeError(
    ErrorCode.INVALID_ARGUMENT,
    `overflowPolicy=${describe(policy)} is invalid; expected "OVERWRITE" or "FAIL"`,
  );
}

/**
 * Returns the AbortSignal of a waiting read's options, or undefined.
 * @throws TypeError for options that are not an object or a signal that is not an
 *   AbortSignal; AbortError when the signal is already aborted.
 */
export function toSignal(options: unknown): AbortSignal | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `options=${describe(options)} is invalid; expected an object such as { signal }`,
    );
  }
  const { signal } = options as { signal?: unknown };
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `options.signal=${describe(signal)} is invalid; expected an AbortSignal`,
    );
  }
  if (signal.aborted) throw new AbortError(signal.reason);
  return signal;
}

/** Rejects a null or undefined item, which no ringbuffer can store. */
export function checkItem(item: unknown, name = 'item'): void {
  if (item === null || item === undefined) {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `${name}=${item} is invalid; a ringbuffer cannot store null or undefined`,
    );
  }
}

/**
 * Checks addAll's items before the overflow policy: a non-empty array without null or
 * undefined entries. `failOnOverflow` is converted first, as the argument order says.
 */
export function checkItems(items: unknown, overflowPolicy: unknown): boolean {
  if (!Array.isArray(items)) {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `items=${describe(items)} is invalid; expected a non-empty array`,
    );
  }
  const failOnOverflow = toFailOnOverflow(overflowPolicy);
  if (items.length === 0) invalidRange('items=[] is empty; expected at least one item');
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    // The name is built only for a bad item, so a valid batch formats no string per item.
    if (item === null || item === undefined) checkItem(item, `items[${i}]`);
  }
  return failOnOverflow;
}

/** readOne's sequence, checked to be a safe integer >= 0. */
export function toReadSequence(sequence: unknown): number {
  const wanted = toSafeInteger('sequence', sequence);
  if (wanted < 0) invalidRange(`sequence=${wanted} is negative; expected a sequence >= 0`);
  return wanted;
}

/** readMany's arguments after validation. */
export interface ReadManyArguments<T> {
  start: number;
  min: number;
  max: number;
  filter: ((item: T) => boolean) | undefined;
  signal: AbortSignal | undefined;
}

/**
 * Validates readMany's arguments in the documented order: startSequence < 0, minCount < 0,
 * maxCount < minCount, maxCount < 1, minCount > capacity, maxCount > capacity, a filter
 * that is not a function, then the options.
 */
export function toReadManyArguments<T>(
  startSequence: unknown,
  minCount: unknown,
  maxCount: unknown,
  filter: unknown,
  options: unknown,
  capacity: number,
): ReadManyArguments<T> {
  const start = toSafeInteger('startSequence', startSequence);
  if (start < 0) {
    invalidRange(`startSequence=${start} is negative; expected a sequence >= 0`);
  }
  const min = toSafeInteger('minCount', minCount);
  if (min < 0) invalidRange(`minCount=${min} is negative; expected a count >= 0`);
  const max = toSafeInteger('maxCount', maxCount);
  if (max < min) {
    invalidRange(`maxCount=${max} is less than minCount=${min}; expected maxCount >= minCount`);
  }
  if (max < 1) invalidRange(`maxCount=${max} is invalid; expected a count >= 1`);
  if (min > capacity) {
    invalidRange(`minCount=${min} exceeds capacity=${capacity}; expected at most the capacity`);
  }
  if (max > capacity) {
    invalidRange(`maxCount=${max} exceeds capacity=${capacity}; expected at most the capacity`);
  }
  if (filter !== undefined && filter !== null && typeof filter !== 'function') {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `filter=${describe(filter)} is invalid; expected a function or undefined`,
    );
  }
  const signal = toSignal(options);
  const accept = (filter ?? undefined) as ReadManyArguments<T>['filter'];
  return { start, min, max, filter: accept, signal };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks the name of a ring or topic: a non-empty string of well-formed UTF-16, because the
 * process-wide registry keys rings by their UTF-8 form, where lone surrogates would collide.
 */
export function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `name=${describe(name)} is invalid; expected a non-empty string`,
    );
  }
  if (LONE_SURROGATE.test(name)) {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `name=${describe(name)} is invalid: it contains a lone surrogate; use well-formed Unicode`,
    );
  }
}
