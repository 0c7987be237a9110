/**
 * The public ReliableTopic API, with Hazelcast's semantics: a publish/subscribe topic whose
 * messages are stored in a ringbuffer named `_hz_rb_<topic>`, so a listener reads them at
 * its own pace and can resume from a sequence it stored.
 */

/** Publish behaviour when the topic's ring has no room (as hazelcast-client). */
export const TopicOverloadPolicy = {
  /** Overwrite the oldest messages (add with OverflowPolicy OVERWRITE). */
  DISCARD_OLDEST: 'DISCARD_OLDEST',
  /** Drop the new message without an error (add with FAIL; a -1 is ignored). */
  DISCARD_NEWEST: 'DISCARD_NEWEST',
  /** Reject the publish with TopicOverloadError (add with FAIL; a -1 rejects). */
  ERROR: 'ERROR',
  /** Retry the add with FAIL, backing off from 100 ms doubling to 2 s, until it succeeds. */
  BLOCK: 'BLOCK',
} as const;
export type TopicOverloadPolicy = (typeof TopicOverloadPolicy)[keyof typeof TopicOverloadPolicy];

/**
 * Configuration of one topic; omitted options take the defaults shown. The topic's ring
 * takes the client's ringbuffer configuration that matches the topic's name.
 */
export interface ReliableTopicConfig {
  /** Maximum number of messages a listener reads per request, 1 .. 2^31-1. Default 10. */
  readBatchSize?: number;
  /**
   * Publish behaviour when the ring is full. Default BLOCK. The policies differ only on a
   * ring with timeToLiveSeconds > 0: without a TTL the ring always has room, because the
   * oldest messages are overwritten, so every policy behaves as DISCARD_OLDEST.
   */
  topicOverloadPolicy?: TopicOverloadPolicy;
}

/** A message as a listener receives it. */
export interface Message<T> {
  /** The published value, as the ring's format returns it (a fresh copy for BINARY). */
  readonly messageObject: T;
  /** Publish time in milliseconds since the epoch (Date.now() of the publisher). */
  readonly publishingTime: number;
  /** The message's sequence in the topic's ring. */
  readonly sequence: number;
}

/**
 * A listener function. When it returns a Promise, the next message is delivered after the
 * Promise settles; a rejection counts as an error thrown by the handler.
 */
export type MessageListener<T> = (message: Message<T>) => void | Promise<void>;

/**
 * A listener that controls where it starts, keeps track of its position, and decides what a
 * loss or an error means for it (Hazelcast's ReliableMessageListener). Every method but
 * onMessage is optional.
 */
export interface ReliableMessageListener<T> {
  /** Handles one message; see MessageListener for Promises and errors. */
  onMessage(message: Message<T>): void | Promise<void>;
  /**
   * The first sequence to deliver, read once when the listener is added: -1 (the default)
   * means tailSequence + 1, the next message published; 0 and above are real sequences,
   * so a durable subscriber returns its stored sequence + 1.
   */
  initialSequence?(): number;
  /**
   * Receives each message's sequence before its onMessage call, so a durable subscriber can
   * store it. A returned Promise is awaited before onMessage. An error counts as an error
   * of onMessage, and that message is not passed to onMessage.
   */
  storeSequence?(sequence: number): void | Promise<void>;
  /**
   * Whether the listener accepts gaps: true continues after messages were lost, false (the
   * default) cancels the listener before any message after the gap is delivered.
   */
  isLossTolerant?(): boolean;
  /**
   * Whether an error thrown by the handler (or storeSequence) ends the listener: false (the
   * default) skips the message and continues, true cancels the listener with that error.
   * An error thrown by isTerminal itself cancels the listener with that error.
   */
  isTerminal?(error: unknown): boolean;
  /**
   * Reports a gap to a loss-tolerant listener before the first message after it.
   * `lostCount` is the requested sequence subtracted from resumeSequence. A positive count
   * is the number of messages overwritten or expired before this listener read them. A
   * negative one means the requested sequence was beyond tailSequence + 1, so delivery
   * moved back to the tailSequence + 1 of that read. An error thrown by onLoss is handled
   * as an error of onMessage.
   */
  onLoss?(lostCount: number, resumeSequence: number): void;
  /**
   * Called once when the listener stops, for any reason; no call to the listener starts
   * after it. An error thrown by onCancel is rethrown on a microtask, as an uncaught
   * exception, because nothing waits on it. `reason` is one of:
   * - ListenerRemovedError, after removeMessageListener;
   * - DistributedObjectDestroyedError, after destroy;
   * - ClientNotActiveError, after client shutdown;
   * - StaleSequenceError, when messages were lost;
   * - a RangeError (code RINGCAST_INVALID_ARGUMENT), when the sequence was beyond the tail;
   * - the error a terminal handler threw, or an Error whose `cause` is a thrown non-Error;
   * - the error of a failed read, such as RINGCAST_CORRUPT_DATA for an item in the ring
   *   that the topic did not add.
   */
  onCancel?(reason: Error): void;
}

/**
 * A reliable topic. publish and destroy return Promises and reject on invalid arguments;
 * listener registration is synchronous.
 */
export interface ReliableTopic<T = unknown> {
  /** The topic's name; its ring is named `_hz_rb_<name>`. */
  getName(): string;
  /**
   * Publishes one message, handling a full ring by the topicOverloadPolicy. Messages
   * published from one topic object are stored in call order, under BLOCK too.
   * @throws TypeError (code RINGCAST_INVALID_ARGUMENT) for a null or undefined message,
   *   TypeError (code RINGCAST_INVALID_VALUE) for a value the BINARY format cannot store.
   * @throws TopicOverloadError (policy ERROR) when the ring has no room.
   */
  publish(message: T): Promise<void>;
  /**
   * Publishes the messages as one atomic batch with consecutive sequences; a full ring
   * drops, rejects or blocks the whole batch, by the topicOverloadPolicy.
   * @throws RangeError (code RINGCAST_INVALID_ARGUMENT) for an empty array, and for more
   *   messages than the ring's capacity under DISCARD_NEWEST, ERROR or BLOCK, because
   *   such a batch could never be stored.
   */
  publishAll(messages: readonly T[]): Promise<void>;
  /**
   * Starts delivering messages to the listener and returns its registration id. Messages
   * arrive in sequence order, one at a time, never before this call returns.
   * @throws TypeError (code RINGCAST_INVALID_ARGUMENT) for a listener that is neither a
   *   function nor an object with onMessage, RangeError for an invalid initialSequence().
   */
  addMessageListener(listener: MessageListener<T> | ReliableMessageListener<T>): string;
  /**
   * Stops the listener at once, even between two messages of one batch, and calls its
   * onCancel. Returns whether the id was registered on this topic object.
   */
  removeMessageListener(registrationId: string): boolean;
  /**
   * Cancels every listener of this topic object and destroys the ring. A listener of
   * another topic object (another client or thread) whose read is waiting is cancelled
   * with DistributedObjectDestroyedError too. One that is between reads at that moment
   * reads the new, empty ring next, which is a gap (see isLossTolerant).
   */
  destroy(): Promise<void>;
}
