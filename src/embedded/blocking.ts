/**
 * The blocking view of an embedded ring: the ring proxy's synchronous operations, with reads
 * that block the calling thread in the native core until an add, a destroy or a timeout.
 */
import { isMainThread } from 'node:worker_threads';

import { ErrorCode, typeError, WouldBlockForeverError } from '../errors';
import type {
  BlockingRingbuffer,
  OverflowPolicy,
  ReadFilter,
  ReadResultSet,
} from '../ring-buffer';
import { describe, invalidRange } from '../validate';
import type { EmbeddedRingbuffer, PreparedRead } from './ringbuffer';

/** Largest timeoutMs, as for setTimeout. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Longest single native wait. worker.terminate() cannot interrupt the native wait, and V8
 * handles the termination request when the wait returns to JavaScript, so this bounds how
 * long a terminate takes. Each slice costs one wake-up of the blocked thread.
 */
const WAIT_SLICE_MS = 100;

const TIMEOUT_EXPECTED =
  'expected an integer from 0 to 2147483647 (milliseconds), or undefined to wait without ' +
  'a limit';

/** Returns timeoutMs, or undefined to wait without a limit. */
function toTimeoutMs(timeoutMs: unknown): number | undefined {
  if (timeoutMs === undefined) return undefined;
  if (typeof timeoutMs !== 'number') {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `timeoutMs=${describe(timeoutMs)} is invalid; ${TIMEOUT_EXPECTED}`,
    );
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TIMEOUT_MS) {
    invalidRange(`timeoutMs=${describe(timeoutMs)} is out of range; ${TIMEOUT_EXPECTED}`);
  }
  return timeoutMs;
}

/**
 * Attempts `read` until it returns, blocking between attempts. A wait without a timeout
 * has no bound by design: it ends with an add, a destroy or the thread's termination.
 */
function block<R>(read: PreparedRead<R>, name: string, timeoutMs: number | undefined): R {
  const { store } = read;
  const deadline = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
  for (;;) {
    // Loaded before the attempt: an add that the attempt misses changes the count after
    // this load, so the wait below returns at once instead of sleeping through it.
    const seen = store.publishCount();
    const result = read.attempt();
    if (result !== undefined) return result.value;

    if (timeoutMs === undefined) {
      if (!store.shared) throw new WouldBlockForeverError(read.operation, name, 'OBJECT ring');
      if (isMainThread) throw new WouldBlockForeverError(read.operation, name, 'main thread');
    }
    const remaining = deadline - performance.now();
    if (remaining <= 0) return read.timedOut(timeoutMs as number);
    store.waitForPublish(seen, Math.min(Math.ceil(remaining), WAIT_SLICE_MS));
  }
}

/** @internal */
export class EmbeddedBlockingRingbuffer<T> implements BlockingRingbuffer<T> {
  readonly #ring: EmbeddedRingbuffer<T>;

  constructor(ring: EmbeddedRingbuffer<T>) {
    this.#ring = ring;
  }

  getName(): string {
    return this.#ring.getName();
  }

  capacity(): number {
    return this.#ring.capacitySync();
  }

  size(): number {
    return this.#ring.sizeSync();
  }

  headSequence(): number {
    return this.#ring.headSequenceSync();
  }

  tailSequence(): number {
    return this.#ring.tailSequenceSync();
  }

  remainingCapacity(): number {
    return this.#ring.remainingCapacitySync();
  }

  add(item: T, overflowPolicy?: OverflowPolicy): number {
    return this.#ring.addSync(item, overflowPolicy);
  }

  addAll(items: readonly T[], overflowPolicy?: OverflowPolicy): number {
    return this.#ring.addAllSync(items, overflowPolicy);
  }

  readOne(sequence: number | bigint, timeoutMs?: number): T {
    let timeout: number | undefined;
    const read = this.#ring.prepareReadOne(sequence, () => {
      timeout = toTimeoutMs(timeoutMs);
    });
    return block(read, this.getName(), timeout);
  }

  readMany(
    startSequence: number | bigint,
    minCount: number | bigint,
    maxCount: number | bigint,
    filter?: ReadFilter<T> | null,
    timeoutMs?: number,
  ): ReadResultSet<T> {
    let timeout: number | undefined;
    const read = this.#ring.prepareReadMany(startSequence, minCount, maxCount, filter, () => {
      timeout = toTimeoutMs(timeoutMs);
    });
    return block(read, this.getName(), timeout);
  }
}
