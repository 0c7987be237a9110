/**
 * The public Ringbuffer API, with Hazelcast's semantics: a fixed-capacity log
 * addressed by sequence number that overwrites its oldest items when full.
 */

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
 * A ringbuffer. Every method returns a Promise; invalid arguments reject it, never throw.
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
}

/** A client of the embedded engine. */
export interface Client {
  /**
   * Returns the ring named `name`, creating it with `config` (or the client's matching
   * configuration) when it does not exist.
   * @throws ConfigConflictError when the ring exists with a different configuration.
   */
  getRingbuffer<T = unknown>(name: string, config?: RingbufferConfig): Promise<Ringbuffer<T>>;
  /** Rejects every waiting read with ClientNotActiveError and releases native resources. */
  shutdown(): Promise<void>;
}
