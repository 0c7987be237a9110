/**
 * The loop that delivers a topic's messages to one listener: read a batch from the ring,
 * check it for a gap, then hand each message to the listener in sequence order.
 */
import { ErrorCode, rangeError, StaleSequenceError } from '../errors';
import type { ReadResultSet, Ringbuffer } from '../ring-buffer';
import { toMessage, type TopicRecord } from './record';
import type { ReliableMessageListener } from './reliable-topic';

/** The ring a runner reads, and the callback it reports its stop to. */
export interface RunnerSource {
  readonly ring: Ringbuffer<TopicRecord>;
  readonly ringName: string;
  readonly readBatchSize: number;
  /** Called once when the runner stops, before the listener's onCancel. */
  onStop(): void;
}

/** Whether a handler's result should be awaited before the next message. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** Returns `value` when it is an Error, else an Error carrying it as `cause`. */
function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(`a topic listener threw a non-Error value: ${String(value)}`, { cause: value });
}

/** @internal */
export class ListenerRunner<T> {
  readonly #listener: ReliableMessageListener<T>;
  readonly #source: RunnerSource;
  readonly #abort = new AbortController();
  #cancelled = false;

  constructor(listener: ReliableMessageListener<T>, source: RunnerSource) {
    this.#listener = listener;
    this.#source = source;
  }

  /** Starts reading at `firstSequence` (tail + 1 is resolved by the caller). */
  start(firstSequence: number | Promise<number>): void {
    void this.#run(firstSequence);
  }

  /**
   * Stops delivery at once and calls the listener's onCancel with `reason`. Returns false,
   * doing nothing, when the runner was already cancelled.
   */
  cancel(reason: Error): boolean {
    if (this.#cancelled) return false;
    this.#cancelled = true;
    this.#abort.abort(reason);
    this.#source.onStop();
    try {
      this.#listener.onCancel?.(reason);
    } catch (error) {
      // Nothing awaits onCancel, so its error surfaces as an uncaught exception, as an
      // error thrown by an EventEmitter listener would.
      queueMicrotask(() => {
        throw error;
      });
    }
    return true;
  }

  /**
   * Runs until the runner is cancelled. Each turn waits in readMany for at least one
   * message, so the loop never spins on an idle ring.
   */
  async #run(firstSequence: number | Promise<number>): Promise<void> {
    const { ring } = this.#source;
    const options = { signal: this.#abort.signal };
    try {
      let sequence = await firstSequence;
      while (!this.#cancelled) {
        const maxCount = Math.min(this.#source.readBatchSize, await ring.capacity());
        if (this.#cancelled) return;
        const result = await ring.readMany(sequence, 1, maxCount, null, options);
        if (this.#cancelled) return;

        // readMany clamps the start into [head, tail + 1]; a clamp means a gap.
        const resumeSequence = result.getNextSequenceToReadFrom() - result.getReadCount();
        if (resumeSequence !== sequence && !this.#acceptGap(sequence, resumeSequence)) return;
        for (let i = 0; i < result.size(); i++) {
          if (this.#cancelled) return;
          let delivered = this.#deliver(result, i);
          if (typeof delivered !== 'boolean') delivered = await delivered;
          if (!delivered) return;
        }
        sequence = result.getNextSequenceToReadFrom();
      }
    } catch (error) {
      // A failed read ends the listener: the ring was destroyed in another thread, the
      // client shut down, or an item is corrupt. After a cancel it is the aborted read,
      // and cancel() does nothing.
      // NOTE: on the cluster, a read that hazelcast-client gave up retrying (no member
      // reachable within its invocation timeout, 120 s by default) also ends the listener,
      // with ClusterError, where hazelcast-client's own topic runner reads again.
      this.cancel(asError(error));
    }
  }

  /**
   * Handles a gap between the requested and the first readable sequence. Returns whether
   * delivery continues: only a loss-tolerant listener continues, after onLoss.
   */
  #acceptGap(requested: number, resumeSequence: number): boolean {
    const listener = this.#listener;
    let tolerant: boolean;
    try {
      tolerant = Boolean(listener.isLossTolerant?.());
    } catch (error) {
      this.cancel(asError(error));
      return false;
    }
    if (!tolerant) {
      const reason =
        resumeSequence > requested
          ? new StaleSequenceError(requested, resumeSequence)
          : rangeError(
              ErrorCode.INVALID_ARGUMENT,
              `sequence=${requested} is beyond tailSequence + 1 = ${resumeSequence} of ` +
                `ringbuffer name=${JSON.stringify(this.#source.ringName)}; a listener that ` +
                'is not loss-tolerant cannot skip back to the tail',
            );
      this.cancel(reason);
      return false;
    }
    try {
      listener.onLoss?.(resumeSequence - requested, resumeSequence);
    } catch (error) {
      return this.#handleError(error);
    }
    return true;
  }

  /**
   * Passes the item at `index` to storeSequence and onMessage. Returns whether delivery
   * continues, as a Promise only when one of them returned a Promise.
   * @throws the decoding error of an item that is not a topic message.
   */
  #deliver(result: ReadResultSet<TopicRecord>, index: number): boolean | Promise<boolean> {
    const sequence = result.getSequence(index) as number;
    const message = toMessage<T>(result.get(index), sequence, this.#source.ringName);
    let stored: unknown;
    try {
      stored = this.#listener.storeSequence?.(sequence);
    } catch (error) {
      return this.#handleError(error);
    }
    const handle = (): boolean | Promise<boolean> => {
      // storeSequence may have removed the listener.
      if (this.#cancelled) return false;
      let handled: unknown;
      try {
        handled = this.#listener.onMessage(message);
      } catch (error) {
        return this.#handleError(error);
      }
      if (!isThenable(handled)) return true;
      return Promise.resolve(handled).then(
        () => true,
        (error: unknown) => this.#handleError(error),
      );
    };
    if (!isThenable(stored)) return handle();
    return Promise.resolve(stored).then(handle, (error: unknown) => this.#handleError(error));
  }

  /** Skips the failed message, or cancels the listener when isTerminal(error) is true. */
  #handleError(error: unknown): boolean {
    if (this.#cancelled) return false;
    let terminal: boolean;
    try {
      terminal = Boolean(this.#listener.isTerminal?.(error));
    } catch (thrown) {
      this.cancel(asError(thrown));
      return false;
    }
    if (terminal) {
      this.cancel(asError(error));
      return false;
    }
    return true;
  }
}
