/**
 * The public Ringbuffer API, with Hazelcast's semantics: a fixed-capacity log
 * addressed by sequence number that overwrites its oldest items when full.
 */
import type { ClusterOptions } from './cluster/options';
import type { ReliableTopic, ReliableTopicConfig } from './topic/reliable-topic';

/** What `add` and `addAll` do when the ring has no room (as hazelcast-client). */
export const OverflowPolicy = {
  /** Overwrite the oldest items. */
  OVERWRITE: 'OVERWRITE',
  /** Store nothing and return -1 when remainingCapacity is too small. */
  FAIL: 'FAIL',
} as const;
export type OverflowPolicy = (typeof OverflowPolicy)[keyof typeof OverflowPolicy];

/** How a ring keeps its items. */
export const InMemoryFormat = {
  /**
   * Items are serialized when added and every read returns a fresh copy. The ring is
   * shared by all threads of the process.
   */
  BINARY: 'BINARY',
  /**
   * Items are kept as JavaScript values in the thread that created the ring and reads
   * return the stored value itself. The ring is not shared with worker threads.
   */
  OBJECT: 'OBJECT',
} as const;
export type InMemoryFormat = (typeof InMemoryFormat)[keyof typeof InMemoryFormat];

/** Options of a waiting read. */
export interface ReadOptions {
  /** Aborting rejects the waiting read with an error whose `name` is `AbortError`. */
  signal?: AbortSignal;
}

/** A predicate applied to each examined item of `readMany`; items it rejects are skipped. */
export type ReadFilter<T> = (item: T) => boolean;

/** The result of `readMany`: the accepted items with their sequences. */
export interface ReadResultSet<T> extends Iterable<T> {
  /** Number of items returned; equals size(). */
  readonly length: number;
  /** Number of items examined, including those the filter rejected. */
  getReadCount(): number;
  /** Number of items returned. */
  size(): number;
  /** The item at `index`, or undefined when `index` is out of range. Decoded once, lazily. */
  get(index: number): T | undefined;
  /** The sequence of the item at `index`, or undefined when `index` is out of range. */
  getSequence(index: number): number | undefined;
  /**
   * The sequence after the last item examined, so a polling consumer continues from it.
   * When nothing was examined it is the clamped start sequence (Hazelcast returns 0).
   */
  getNextSequenceToReadFrom(): number;
}

/**
 * A ringbuffer. Every method except getName returns a Promise; invalid arguments reject it,
 * never throw.
 * Sequences are JavaScript numbers (safe integers); sequence and count arguments also
 * accept bigint. Counter values are stale as soon as they are returned when other
 * writers are active.
 */
export interface Ringbuffer<T = unknown> {
  /** The ring's name. */
  getName(): string;
  /** Number of items the ring retains. */
  capacity(): Promise<number>;
  /** Number of readable items: tailSequence - headSequence + 1. */
  size(): Promise<number>;
  /** Sequence of the oldest readable item; 0 for a new ring. */
  headSequence(): Promise<number>;
  /** Sequence of the newest item; -1 for a new ring. */
  tailSequence(): Promise<number>;
  /**
   * Room left before items are overwritten. With timeToLiveSeconds = 0 this is always
   * `capacity` (as Hazelcast); with a TTL it is capacity minus the unexpired items.
   */
  remainingCapacity(): Promise<number>;
  /**
   * Adds an item and returns its sequence, or -1 when `overflowPolicy` is FAIL and
   * remainingCapacity() < 1 (nothing is stored then).
   * @throws TypeError (code RINGCAST_INVALID_ARGUMENT) for a null or undefined item,
   *   TypeError (code RINGCAST_INVALID_VALUE) for a value the BINARY format cannot store.
   */
  add(item: T, overflowPolicy?: OverflowPolicy): Promise<number>;
  /**
   * Adds the items with consecutive sequences, atomically, and returns the last sequence.
   * With FAIL it stores nothing and returns -1 when remainingCapacity() < items.length.
   * @throws RangeError (code RINGCAST_INVALID_ARGUMENT) for an empty array.
   */
  addAll(items: readonly T[], overflowPolicy?: OverflowPolicy): Promise<number>;
  /**
   * Reads the item at `sequence`. At tailSequence + 1 it waits until that item is added.
   * @throws StaleSequenceError when sequence < headSequence, also while waiting.
   * @throws RangeError when sequence < 0 or sequence > tailSequence + 1.
   */
  readOne(sequence: number | bigint, options?: ReadOptions): Promise<T>;
  /**
   * Reads up to `maxCount` items from `startSequence`, clamped into
   * [headSequence, tailSequence + 1], waiting until at least `minCount` items pass the
   * filter. Never rejects for a stale start: the clamp shows up as
   * getNextSequenceToReadFrom() - getReadCount() - startSequence > 0 (items lost).
   */
  readMany(
    startSequence: number | bigint,
    minCount: number | bigint,
    maxCount: number | bigint,
    filter?: ReadFilter<T> | null,
    options?: ReadOptions,
  ): Promise<ReadResultSet<T>>;
  /**
   * Removes the ring; the next getRingbuffer of the name starts fresh. Waiting reads on it
   * reject with DistributedObjectDestroyedError.
   */
  destroy(): Promise<void>;
  /**
   * Returns the synchronous view of this ring, the same object on every call. It blocks the
   * calling thread while a read waits; see BlockingRingbuffer.
   */
  blocking(): BlockingRingbuffer<T>;
}

/**
 * A synchronous view of a ringbuffer, from `Ringbuffer.blocking()`, for worker threads
 * that consume in a loop. It has the operations of Ringbuffer with the same validation,
 * results and error classes and codes, but returns plain values and throws its errors.
 *
 * A read that has to wait blocks the calling thread in the native core, without spinning.
 * The wait ends when an add from another thread meets its condition, when `timeoutMs`
 * elapses, or when the ring is destroyed from any thread, which makes the read throw
 * DistributedObjectDestroyedError. The thread's event loop stops meanwhile, so no timer,
 * I/O callback, promise reaction or message handler of that thread runs, and on the main
 * thread no process signal handler either.
 * `timeoutMs` is an integer from 0 to 2^31-1; undefined waits without a limit.
 *
 * - On the main thread the view works, and a wait stops the whole program's event loop. A
 *   read that would wait without a timeout throws WouldBlockForeverError at once instead.
 * - On an OBJECT ring only the owning thread can add, and it cannot add while blocked, so
 *   no wait can be ended by an add. Without a timeout such a read throws
 *   WouldBlockForeverError; with one it sleeps until the timeout.
 * - `client.shutdown()` acts on its own thread's client only, and a blocked thread cannot
 *   run its own shutdown, so shutdown never ends a blocking read. To stop a blocked worker,
 *   pass timeouts, destroy the ring, or call `worker.terminate()`, which takes effect within
 *   about 100 ms because the wait wakes at that interval to let termination through.
 */
export interface BlockingRingbuffer<T = unknown> {
  /** The ring's name. */
  getName(): string;
  /** Number of items the ring retains. */
  capacity(): number;
  /** Number of readable items: tailSequence - headSequence + 1. */
  size(): number;
  /** Sequence of the oldest readable item; 0 for a new ring. */
  headSequence(): number;
  /** Sequence of the newest item; -1 for a new ring. */
  tailSequence(): number;
  /** Room left before items are overwritten, as Ringbuffer.remainingCapacity(). */
  remainingCapacity(): number;
  /** Adds an item, as Ringbuffer.add(); returns its sequence or -1. */
  add(item: T, overflowPolicy?: OverflowPolicy): number;
  /** Adds the items atomically, as Ringbuffer.addAll(); returns the last sequence or -1. */
  addAll(items: readonly T[], overflowPolicy?: OverflowPolicy): number;
  /**
   * Reads the item at `sequence`, as Ringbuffer.readOne(); at tailSequence + 1 it blocks
   * until that item is added.
   * @throws TimeoutError (code RINGCAST_TIMEOUT) when `timeoutMs` elapses first.
   * @throws WouldBlockForeverError (code RINGCAST_WOULD_BLOCK_FOREVER) when it would have
   *   to wait without a timeout on the main thread or on an OBJECT ring.
   */
  readOne(sequence: number | bigint, timeoutMs?: number): T;
  /**
   * Reads up to `maxCount` items, as Ringbuffer.readMany(), blocking until `minCount` items
   * pass the filter. When `timeoutMs` elapses first it returns the items collected so far,
   * possibly fewer than minCount or none.
   * @throws WouldBlockForeverError (code RINGCAST_WOULD_BLOCK_FOREVER) when it would have
   *   to wait without a timeout on the main thread or on an OBJECT ring.
   */
  readMany(
    startSequence: number | bigint,
    minCount: number | bigint,
    maxCount: number | bigint,
    filter?: ReadFilter<T> | null,
    timeoutMs?: number,
  ): ReadResultSet<T>;
}

/** Configuration of one ringbuffer; omitted options take the defaults shown. */
export interface RingbufferConfig {
  /** Number of items retained, 1 .. 2^31-1. Default 10000. */
  capacity?: number;
  /** Synchronous backups on other cluster members, 0..6. Default 1; the embedded engine keeps one copy. */
  backupCount?: number;
  /** Asynchronous backups, 0..6, with backupCount + asyncBackupCount <= 6. Default 0. */
  asyncBackupCount?: number;
  /** Seconds an item stays readable; 0 means forever. Default 0. */
  timeToLiveSeconds?: number;
  /** BINARY (default) or OBJECT. */
  inMemoryFormat?: InMemoryFormat;
}

/** Options of `createClient`. */
export interface ClientOptions {
  /**
   * Ringbuffer configurations by exact name, by `prefix*` wildcard, or `default`,
   * matched as Hazelcast matches ringbuffer configs.
   */
  ringbuffers?: Record<string, RingbufferConfig>;
  /** ReliableTopic configurations, matched by topic name as `ringbuffers` are. */
  reliableTopics?: Record<string, ReliableTopicConfig>;
  /**
   * Runs the client against a Hazelcast cluster instead of the embedded engine. Ring
   * configurations then live on the members; see the README's cluster section.
   */
  cluster?: ClusterOptions;
}

/** A client of the embedded engine. */
export interface Client {
  /**
   * Returns the ring named `name`, creating it with `config` (or the client's matching
   * configuration) when it does not exist.
   * @throws ConfigConflictError when the ring exists with a different configuration.
   */
  getRingbuffer<T = unknown>(name: string, config?: RingbufferConfig): Promise<Ringbuffer<T>>;
  /**
   * Returns the topic named `name`, one object per name and client. Its ring, named
   * `_hz_rb_<name>`, takes the ringbuffer configuration that matches the topic's name (as
   * Hazelcast); `config` is laid over the client's matching topic configuration.
   * @throws ConfigConflictError when the topic object exists with a different `config`.
   */
  getReliableTopic<T = unknown>(
    name: string,
    config?: ReliableTopicConfig,
  ): Promise<ReliableTopic<T>>;
  /**
   * Rejects every waiting read with ClientNotActiveError, cancels every topic listener with
   * it, and releases native resources.
   */
  shutdown(): Promise<void>;
}
