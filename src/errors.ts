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
  /** A topic's ring had no room for a publish under topicOverloadPolicy ERROR. */
  TOPIC_OVERLOAD: 'RINGCAST_TOPIC_OVERLOAD',
  /** A topic message listener was cancelled by removeMessageListener. */
  LISTENER_REMOVED: 'RINGCAST_LISTENER_REMOVED',
  /** A blocking read's timeoutMs elapsed before its item was added. */
  TIMEOUT: 'RINGCAST_TIMEOUT',
  /** A blocking read without a timeout could never return (main thread, OBJECT ring). */
  WOULD_BLOCK_FOREVER: 'RINGCAST_WOULD_BLOCK_FOREVER',
  /** The cluster backend failed to reach the cluster or the cluster rejected a request. */
  CLUSTER_ERROR: 'RINGCAST_CLUSTER_ERROR',
  /** The operation exists in the API but the backend in use cannot perform it. */
  UNSUPPORTED: 'RINGCAST_UNSUPPORTED',
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

/** The ring (or topic) was destroyed while an operation was waiting on it. */
export class DistributedObjectDestroyedError extends RingcastError {
  /** `kind` names the object type in the message: `ringbuffer` or `reliable topic`. */
  constructor(name: string, kind = 'ringbuffer') {
    super(ErrorCode.OBJECT_DESTROYED, `${kind} name=${JSON.stringify(name)} was destroyed`);
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

/** A ring (or topic) exists with an option value that differs from the requested one. */
export class ConfigConflictError extends RingcastError {
  /** `kind` names the object type in the message: `ringbuffer` or `reliable topic`. */
  constructor(
    name: string,
    option: string,
    existing: unknown,
    requested: unknown,
    kind = 'ringbuffer',
  ) {
    super(
      ErrorCode.CONFIG_CONFLICT,
      `${kind} name=${JSON.stringify(name)} already exists with ${option}=${String(existing)}, ` +
        `but ${option}=${String(requested)} was requested`,
    );
    this.name = 'ConfigConflictError';
  }
}

/**
 * A topic's ring had no room for a publish under topicOverloadPolicy ERROR; nothing of the
 * publish was stored. Room frees up as the ring's items expire.
 */
export class TopicOverloadError extends RingcastError {
  /** `timeToLiveSeconds` is undefined when the ring's TTL is set on cluster members. */
  constructor(topicName: string, messageCount: number, timeToLiveSeconds: number | undefined) {
    const ttl =
      timeToLiveSeconds === undefined
        ? 'the TTL set on the members'
        : `timeToLiveSeconds=${timeToLiveSeconds}`;
    super(
      ErrorCode.TOPIC_OVERLOAD,
      `reliable topic name=${JSON.stringify(topicName)} is overloaded: its ring has no room ` +
        `for ${messageCount} message(s) until items expire (${ttl}); ` +
        'topicOverloadPolicy BLOCK would wait, DISCARD_OLDEST overwrite',
    );
    this.name = 'TopicOverloadError';
  }
}

/** The reason given to a topic listener's onCancel when removeMessageListener removed it. */
export class ListenerRemovedError extends RingcastError {
  constructor(topicName: string, registrationId: string) {
    super(
      ErrorCode.LISTENER_REMOVED,
      `message listener id=${JSON.stringify(registrationId)} was removed from reliable topic ` +
        `name=${JSON.stringify(topicName)}`,
    );
    this.name = 'ListenerRemovedError';
  }
}

/** A blocking readOne waited `timeoutMs` milliseconds and its item was not added. */
export class TimeoutError extends RingcastError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  /** `operation` names the call and its arguments, such as `readOne(sequence=5)`. */
  constructor(operation: string, name: string, timeoutMs: number) {
    super(
      ErrorCode.TIMEOUT,
      `${operation} on ringbuffer name=${JSON.stringify(name)} timed out after ` +
        `timeoutMs=${timeoutMs}`,
    );
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A blocking read without a timeout would have to wait, and no add could ever end the wait:
 * on the main thread every thread that could add may depend on its event loop, and on an
 * OBJECT ring only the blocked thread itself can add.
 */
export class WouldBlockForeverError extends RingcastError {
  /** `operation` names the call and its arguments, such as `readOne(sequence=5)`. */
  constructor(operation: string, name: string, reason: 'main thread' | 'OBJECT ring') {
    const where = `${operation} on ringbuffer name=${JSON.stringify(name)}`;
    super(
      ErrorCode.WOULD_BLOCK_FOREVER,
      reason === 'main thread'
        ? `${where} would block the main thread without a limit, stopping its event loop ` +
            'until another thread adds; pass timeoutMs, or read from a worker thread'
        : `${where} would block without a limit: the ring has inMemoryFormat=OBJECT, so ` +
            'only this thread can add to it, and it cannot add while blocked; pass ' +
            'timeoutMs, or use the async readOne/readMany',
    );
    this.name = 'WouldBlockForeverError';
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
