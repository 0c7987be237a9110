/**
 * Error classes and the stable `code` strings of every error ringcast raises.
 * Tests and callers match on `code` and the class, never on message text.
 */

export const ErrorCode = {
  /** An argument has the wrong type or is out of range (TypeError or RangeError). */
  INVALID_ARGUMENT: 'RINGCAST_INVALID_ARGUMENT',
  /** A ringbuffer or client option has the wrong type, is out of range or is unknown. */
  INVALID_CONFIG: 'RINGCAST_INVALID_CONFIG',
  /** A ring already exists with a configuration that differs from the requested one. */
  CONFIG_CONFLICT: 'RINGCAST_CONFIG_CONFLICT',
  /** A value cannot be stored in BINARY format (function, symbol, class instance, cycle). */
  INVALID_VALUE: 'RINGCAST_INVALID_VALUE',
  /** A value is nested deeper than the codec supports. */
  VALUE_TOO_DEEP: 'RINGCAST_VALUE_TOO_DEEP',
  /** A value's encoding exceeds the codec's size limit for one item. */
  VALUE_TOO_LARGE: 'RINGCAST_VALUE_TOO_LARGE',
  /** The native core could not allocate memory for a ring or a read. */
  OUT_OF_MEMORY: 'RINGCAST_OUT_OF_MEMORY',
  /** Stored bytes are not a valid encoding of a value. */
  CORRUPT_DATA: 'RINGCAST_CORRUPT_DATA',
  /** A sequence is older than the ring's head. */
  STALE_SEQUENCE: 'RINGCAST_STALE_SEQUENCE',
  /** The ring was destroyed while an operation waited on it. */
  OBJECT_DESTROYED: 'RINGCAST_OBJECT_DESTROYED',
  /** The client was shut down. */
  CLIENT_NOT_ACTIVE: 'RINGCAST_CLIENT_NOT_ACTIVE',
  /** A waiting read was aborted through its AbortSignal. */
  ABORTED: 'RINGCAST_ABORTED',
  /** An OBJECT ring was requested from a thread other than the one that created it. */
  WRONG_THREAD: 'RINGCAST_WRONG_THREAD',
  /** Warning code: OverflowPolicy FAIL used on a ring without time-to-live. */
  FAIL_WITHOUT_TTL: 'RINGCAST_FAIL_WITHOUT_TTL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of ringcast's own error types; the argument errors are plain TypeError/RangeError. */
export class RingcastError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A read asked for a sequence that has already been overwritten or has expired. */
export class StaleSequenceError extends RingcastError {
  /** The ring's oldest readable sequence when the error was raised. */
  readonly headSequence: number;

  constructor(sequence: number, headSequence: number) {
    super(
      ErrorCode.STALE_SEQUENCE,
      `sequence=${sequence} is stale: the oldest readable sequence is headSequence=${headSequence}`,
    );
    this.name = 'StaleSequenceError';
    this.headSequence = headSequence;
  }
}

/** The ring was destroyed while an operation was waiting on it. */
export class DistributedObjectDestroyedError extends RingcastError {
  constructor(name: string) {
    super(ErrorCode.OBJECT_DESTROYED, `ringbuffer name=${JSON.stringify(name)} was destroyed`);
    this.name = 'DistributedObjectDestroyedError';
  }
}

/** The client was shut down; every later call on it and on its rings rejects with this. */
export class ClientNotActiveError extends RingcastError {
  constructor() {
    super(ErrorCode.CLIENT_NOT_ACTIVE, 'the client is not active: shutdown() was called');
    this.name = 'ClientNotActiveError';
  }
}

/** A waiting read was aborted through its AbortSignal; `cause` is the signal's reason. */
export class AbortError extends RingcastError {
  constructor(reason: unknown) {
    super(ErrorCode.ABORTED, 'the operation was aborted', { cause: reason });
    this.name = 'AbortError';
  }
}

/** An OBJECT ring belongs to the thread that created it and is not shared with workers. */
export class WrongThreadError extends RingcastError {
  constructor(name: string, ownerThreadId: number, threadId: number) {
    super(
      ErrorCode.WRONG_THREAD,
      `ringbuffer name=${JSON.stringify(name)} has inMemoryFormat=OBJECT and belongs to ` +
        `threadId=${ownerThreadId}, so threadId=${threadId} cannot use it; use BINARY to share a ring`,
    );
    this.name = 'WrongThreadError';
  }
}

/** A ring exists with an option value that differs from the requested configuration. */
export class ConfigConflictError extends RingcastError {
  constructor(name: string, option: string, existing: unknown, requested: unknown) {
    super(
      ErrorCode.CONFIG_CONFLICT,
      `ringbuffer name=${JSON.stringify(name)} already exists with ${option}=${String(existing)}, ` +
        `but ${option}=${String(requested)} was requested`,
    );
    this.name = 'ConfigConflictError';
  }
}

/** Creates a TypeError carrying a ringcast `code`. */
export function typeError(code: ErrorCode, message: string): TypeError & { code: ErrorCode } {
  return Object.assign(new TypeError(message), { code });
}

/** Creates a RangeError carrying a ringcast `code`. */
export function rangeError(code: ErrorCode, message: string): RangeError & { code: ErrorCode } {
  return Object.assign(new RangeError(message), { code });
}
