/**
 * The shared memory through which the producer and the consumers of `ringcast ingest`
 * coordinate, next to the ring itself. It is a BigInt64Array over a SharedArrayBuffer:
 *
 *   [0]       end sequence: the sequence of the end-of-stream item, or -1 until the
 *             producer has added the last record
 *   [1 + i]   cursor of consumer i: the next sequence it reads, so every sequence below
 *             it has been read (or, with overwrite, lost)
 *
 * Every access goes through Atomics, so each value is read whole and in order with the
 * ring's own publication.
 */

const END_SLOT = 0;
const FIRST_CURSOR_SLOT = 1;

/** Shared cursors and the end-of-stream sequence of one ingest run. */
export class IngestControl {
  readonly buffer: SharedArrayBuffer;
  readonly consumers: number;
  readonly #slots: BigInt64Array;

  /**
   * Creates the control block, or attaches to `buffer` when a worker passes the one it was
   * given. A new block starts every cursor at `startSequence`, so the producer gates on
   * consumers that have not started yet.
   */
  constructor(consumers: number, startSequence: number, buffer?: SharedArrayBuffer) {
    this.consumers = consumers;
    this.buffer = buffer ?? new SharedArrayBuffer((FIRST_CURSOR_SLOT + consumers) * 8);
    this.#slots = new BigInt64Array(this.buffer);
    if (buffer === undefined) {
      this.#slots[END_SLOT] = -1n;
      this.#slots.fill(BigInt(startSequence), FIRST_CURSOR_SLOT);
    }
  }

  /** Returns the end-of-stream sequence, or -1 while records are still being added. */
  endSequence(): number {
    return Number(Atomics.load(this.#slots, END_SLOT));
  }

  /** Publishes the end-of-stream sequence; call it before adding the end-of-stream item. */
  setEndSequence(sequence: number): void {
    Atomics.store(this.#slots, END_SLOT, BigInt(sequence));
  }

  /** Publishes consumer `consumer`'s cursor and wakes a producer waiting on it. */
  publishCursor(consumer: number, sequence: number): void {
    const slot = FIRST_CURSOR_SLOT + consumer;
    Atomics.store(this.#slots, slot, BigInt(sequence));
    Atomics.notify(this.#slots, slot);
  }

  /**
   * Returns the lowest cursor and the consumer that has it. Both come from the same load:
   * loading the cursor again could see it advanced past another consumer's.
   */
  slowestCursor(): { consumer: number; cursor: number } {
    let consumer = 0;
    let lowest = Atomics.load(this.#slots, FIRST_CURSOR_SLOT);
    for (let i = 1; i < this.consumers; i++) {
      const cursor = Atomics.load(this.#slots, FIRST_CURSOR_SLOT + i);
      if (cursor < lowest) {
        lowest = cursor;
        consumer = i;
      }
    }
    return { consumer, cursor: Number(lowest) };
  }

  /**
   * Waits, without blocking the event loop, until consumer `consumer`'s cursor differs
   * from `seen` or `timeoutMs` passes.
   */
  async waitForCursorChange(consumer: number, seen: number, timeoutMs: number): Promise<void> {
    const result = waitAsync(this.#slots, FIRST_CURSOR_SLOT + consumer, BigInt(seen), timeoutMs);
    if (result.async) {
      await result.value;
    }
  }
}

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

/** Atomics.waitAsync (ES2024, in Node.js since 16), which the ES2022 lib does not declare. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: BigInt64Array, index: number, value: bigint, timeout: number): WaitAsyncResult;
  }
).waitAsync;
