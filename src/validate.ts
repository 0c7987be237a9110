/** Argument checks shared by the backends; each failure names the argument and its value. */
import { ErrorCode, rangeError, typeError } from './errors';

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
