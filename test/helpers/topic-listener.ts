/**
 * A topic listener for the tests that records every call it receives, and bounded waits for
 * those calls.
 */
import type { Message, ReliableMessageListener } from '../../src/index';

/** How long a wait for listener calls lasts before it fails the test. */
export const LISTENER_WAIT_MS = 5000;

/** Options of a RecordingListener; each omitted method keeps the library's default. */
export interface RecordingOptions<T> {
  initialSequence?: number;
  lossTolerant?: boolean;
  /** Decides isTerminal; without it the listener does not define isTerminal. */
  isTerminal?: (error: unknown) => boolean;
  /** Runs inside onMessage after the message is recorded; its result is returned. */
  onMessage?: (message: Message<T>) => void | Promise<void>;
}

/** One call the listener received, in order. */
export type ListenerCall =
  | { method: 'storeSequence'; sequence: number }
  | { method: 'onMessage'; sequence: number }
  | { method: 'onLoss'; lostCount: number; resumeSequence: number }
  | { method: 'onCancel'; reason: Error };

/** A ReliableMessageListener that records what it receives. */
export class RecordingListener<T> implements ReliableMessageListener<T> {
  readonly messages: Array<Message<T>> = [];
  readonly calls: ListenerCall[] = [];
  readonly initialSequence?: () => number;
  readonly isLossTolerant?: () => boolean;
  readonly isTerminal?: (error: unknown) => boolean;
  readonly #onMessage: RecordingOptions<T>['onMessage'];
  readonly #waiters = new Set<() => void>();

  constructor(options: RecordingOptions<T> = {}) {
    const { initialSequence, lossTolerant, isTerminal } = options;
    if (initialSequence !== undefined) this.initialSequence = () => initialSequence;
    if (lossTolerant !== undefined) this.isLossTolerant = () => lossTolerant;
    if (isTerminal !== undefined) this.isTerminal = isTerminal;
    this.#onMessage = options.onMessage;
  }

  /** The payloads received, in order. */
  get payloads(): T[] {
    return this.messages.map((message) => message.messageObject);
  }

  /** The sequences of the messages received, in order. */
  get sequences(): number[] {
    return this.messages.map((message) => message.sequence);
  }

  /** The reasons onCancel received; more than one is a bug. */
  get cancelReasons(): Error[] {
    return this.calls.flatMap((call) => (call.method === 'onCancel' ? [call.reason] : []));
  }

  storeSequence(sequence: number): void {
    this.#record({ method: 'storeSequence', sequence });
  }

  onMessage(message: Message<T>): void | Promise<void> {
    this.messages.push(message);
    this.#record({ method: 'onMessage', sequence: message.sequence });
    return this.#onMessage?.(message);
  }

  onLoss(lostCount: number, resumeSequence: number): void {
    this.#record({ method: 'onLoss', lostCount, resumeSequence });
  }

  onCancel(reason: Error): void {
    this.#record({ method: 'onCancel', reason });
  }

  /** Resolves once `count` messages have arrived; rejects after LISTENER_WAIT_MS. */
  waitForMessages(count: number): Promise<void> {
    return this.#waitUntil(
      () => this.messages.length >= count,
      () => `received ${this.messages.length} of ${count} messages`,
    );
  }

  /** Resolves with the first onCancel reason; rejects after LISTENER_WAIT_MS. */
  async waitForCancel(): Promise<Error> {
    await this.#waitUntil(
      () => this.cancelReasons.length > 0,
      () => `onCancel was not called; received ${this.messages.length} messages`,
    );
    return this.cancelReasons[0];
  }

  #record(call: ListenerCall): void {
    this.calls.push(call);
    for (const wake of [...this.#waiters]) wake();
  }

  #waitUntil(done: () => boolean, describeState: () => string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${LISTENER_WAIT_MS} ms: ${describeState()}`));
      }, LISTENER_WAIT_MS);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }
}
