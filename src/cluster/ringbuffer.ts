/**
 * The cluster backend's Ringbuffer: ringcast's validation and result types over the
 * official client's ringbuffer proxy. Reads that wait are parked on the member that owns
 * the ring's partition; this side only races them against aborts and shutdown.
 */
import {
  OverflowPolicy as HazelcastOverflowPolicy,
  type ReadResultSet as HazelcastReadResultSet,
  type Ringbuffer as HazelcastRing,
} from 'hazelcast-client';

import { unwatchAbort, watchAbort, type AbortWatcher } from '../abort-watch';
import {
  AbortError,
  DistributedObjectDestroyedError,
  ErrorCode,
  RingcastError,
  StaleSequenceError,
} from '../errors';
import { ItemBatch, LazyReadResultSet } from '../read-result-set';
import {
  OverflowPolicy,
  type BlockingRingbuffer,
  type ReadFilter,
  type ReadOptions,
  type ReadResultSet,
  type Ringbuffer,
} from '../ring-buffer';
import {
  checkItem,
  checkItems,
  invalidRange,
  toFailOnOverflow,
  toReadManyArguments,
  toReadSequence,
  toSignal,
} from '../validate';
import { translateError } from './errors';

/** Hazelcast's limit on maxCount in one readMany request (RingbufferProxy.MAX_BATCH_SIZE). */
export const MAX_WIRE_BATCH = 1000;

function toHazelcastPolicy(failOnOverflow: boolean): HazelcastOverflowPolicy {
  return failOnOverflow ? HazelcastOverflowPolicy.FAIL : HazelcastOverflowPolicy.OVERWRITE;
}

/** The client services a cluster ring proxy uses: state checks and tracking of waiting reads. */
export interface ClusterProxyContext {
  /** Throws ClientNotActiveError once the client is shut down. */
  checkActive(): void;
  /** Whether the client was shut down. */
  isShutDown(): boolean;
  /** Registers a waiting read for shutdown and destroy to reject. */
  trackWait(wait: TrackedWait): void;
  /** Unregisters a read that trackWait registered, once it settled. */
  untrackWait(wait: TrackedWait): void;
  /** How many times this client destroyed the ring's name. */
  destroyCount(): number;
  /** Counts a destroy of the ring and rejects this client's waiting reads on it. */
  rejectWaits(): void;
}

/** The conversion between a cluster ring's items and the values hazelcast-client sends. */
export interface ItemCodec<T> {
  /**
   * Converts a checked (not null) item before it is sent. `index` is its place in addAll's
   * array, or -1 for add's item, and errors name it `items[2]` or `item`.
   */
  encode(item: T, index: number): unknown;
  /** Converts an item as hazelcast-client deserialized it. */
  decode(value: unknown): T;
  /** Reads and converts the items of a readMany result, in order. */
  readAll(result: HazelcastReadResultSet<unknown>): T[];
}

/** A waiting read as the client tracks it: shutdown and destroy reject it through `fail`. */
export interface TrackedWait {
  fail(error: Error): void;
}

/**
 * A request that may wait on the member. Its reply, an abort of `signal` or a rejection by
 * the client settles it, whichever comes first. It watches the signal and registers with
 * the client itself, so that a read allocates no closure for either.
 */
class PendingRequest<R> implements TrackedWait, AbortWatcher {
  readonly #resolve: (value: R) => void;
  readonly #reject: (error: unknown) => void;
  readonly #signal: AbortSignal | undefined;
  readonly #context: ClusterProxyContext;

  constructor(
    resolve: (value: R) => void,
    reject: (error: unknown) => void,
    signal: AbortSignal | undefined,
    context: ClusterProxyContext,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
    this.#context = context;
    context.trackWait(this);
    if (signal !== undefined) watchAbort(signal, this);
  }

  succeed(value: R): void {
    this.#finish();
    this.#resolve(value);
  }

  fail(error: unknown): void {
    this.#finish();
    this.#reject(error);
  }

  onAbort(reason: unknown): void {
    this.fail(new AbortError(reason));
  }

  #finish(): void {
    this.#context.untrackWait(this);
    if (this.#signal !== undefined) unwatchAbort(this.#signal, this);
  }
}

/** @internal */
export class ClusterRingbuffer<T> implements Ringbuffer<T> {
  readonly #name: string;
  readonly #ring: HazelcastRing<unknown>;
  readonly #context: ClusterProxyContext;
  readonly #capacity: number;
  readonly #codec: ItemCodec<T>;

  /** `capacity` is the ring's capacity as the members configure it; it never changes. */
  constructor(
    name: string,
    ring: HazelcastRing<unknown>,
    capacity: number,
    context: ClusterProxyContext,
    codec: ItemCodec<T>,
  ) {
    this.#name = name;
    this.#ring = ring;
    this.#capacity = capacity;
    this.#context = context;
    this.#codec = codec;
  }

  getName(): string {
    return this.#name;
  }

  async capacity(): Promise<number> {
    this.#context.checkActive();
    return this.#capacity;
  }

  async size(): Promise<number> {
    this.#context.checkActive();
    return (await this.#call('size', () => this.#ring.size())).toNumber();
  }

  async headSequence(): Promise<number> {
    this.#context.checkActive();
    return (await this.#call('headSequence', () => this.#ring.headSequence())).toNumber();
  }

  async tailSequence(): Promise<number> {
    this.#context.checkActive();
    return (await this.#call('tailSequence', () => this.#ring.tailSequence())).toNumber();
  }

  async remainingCapacity(): Promise<number> {
    this.#context.checkActive();
    const remaining = await this.#call('remainingCapacity', () => this.#ring.remainingCapacity());
    return remaining.toNumber();
  }

  async add(item: T, overflowPolicy: OverflowPolicy = OverflowPolicy.OVERWRITE): Promise<number> {
    this.#context.checkActive();
    const failOnOverflow = toFailOnOverflow(overflowPolicy);
    checkItem(item);
    const value = this.#codec.encode(item, -1);
    const policy = toHazelcastPolicy(failOnOverflow);
    const sequence = await this.#call('add', () => this.#ring.add(value, policy));
    return sequence.toNumber();
  }

  async addAll(
    items: readonly T[],
    overflowPolicy: OverflowPolicy = OverflowPolicy.OVERWRITE,
  ): Promise<number> {
    this.#context.checkActive();
    const failOnOverflow = checkItems(items, overflowPolicy);
    const codec = this.#codec;
    const values: unknown[] = [];
    for (let i = 0; i < items.length; i++) values.push(codec.encode(items[i], i));
    const policy = toHazelcastPolicy(failOnOverflow);
    // The member applies one addAll atomically, whatever its length.
    const sequence = await this.#call('addAll', () => this.#ring.addAll(values, policy));
    return sequence.toNumber();
  }

  async readOne(sequence: number | bigint, options?: ReadOptions): Promise<T> {
    this.#context.checkActive();
    const wanted = toReadSequence(sequence);
    const signal = toSignal(options);
    const operation = `readOne(sequence=${wanted})`;
    const destroys = this.#context.destroyCount();
    try {
      const value = await this.#wait(signal, destroys, () => this.#ring.readOne(wanted));
      return this.#codec.decode(value);
    } catch (error) {
      if (error instanceof RingcastError) throw error;
      const translated = translateError(error, this.#errorContext(operation, wanted));
      if (translated instanceof StaleSequenceError && translated.headSequence < 0) {
        throw new StaleSequenceError(wanted, await this.headSequence());
      }
      if (translated instanceof RangeError) {
        // The member rejects sequence > tailSequence + 1 with IllegalArgumentException.
        const tail = await this.tailSequence();
        invalidRange(
          `sequence=${wanted} is beyond tailSequence + 1 = ${tail + 1}; ` +
            'only the next sequence can be waited for',
        );
      }
      throw translated;
    }
  }

  async readMany(
    startSequence: number | bigint,
    minCount: number | bigint,
    maxCount: number | bigint,
    filter?: ReadFilter<T> | null,
    options?: ReadOptions,
  ): Promise<ReadResultSet<T>> {
    this.#context.checkActive();
    const { start, min, max, signal } = toReadManyArguments<T>(
      startSequence,
      minCount,
      maxCount,
      filter,
      options,
      this.#capacity,
    );
    const destroys = this.#context.destroyCount();
    const accepted = new ItemBatch();
    let readCount = 0;
    let cursor = start;
    let nextSequence = -1;

    // Each pass either examines at least one item or waits on the member until one is
    // added, and a pass that examined fewer items than requested ends the read once
    // minCount is met; so the loop ends after at most ceil(maxCount / 1000) passes past
    // the last wait. A start the member rejects as beyond the tail costs one more pass,
    // from tailSequence + 1. The request is made here rather than in a method of its own,
    // which would add an async call to every read.
    for (;;) {
      const wanted = Math.min(max - accepted.size, MAX_WIRE_BATCH);
      // With a filter the member cannot count accepted items, so it waits for one item.
      const missing = Math.max(min - accepted.size, 0);
      const wireMin = filter ? Math.min(missing, 1) : Math.min(missing, wanted);
      let result: HazelcastReadResultSet<unknown>;
      try {
        const from = cursor;
        result = await this.#wait(signal, destroys, () =>
          this.#ring.readMany(from, wireMin, wanted),
        );
      } catch (error) {
        cursor = await this.#clampRejected(error, cursor);
        continue;
      }
      const count = result.getReadCount();
      if (count === 0) {
        nextSequence = readCount === 0 ? await this.#clampedStart(start) : cursor;
        break;
      }
      readCount += count;
      cursor = result.getNextSequenceToReadFrom().toNumber();
      nextSequence = cursor;
      this.#accept(result, filter, accepted, cursor);
      if (accepted.size >= max) break;
      if (accepted.size >= min && count < wanted) break;
    }
    return new LazyReadResultSet<T>(readCount, nextSequence, accepted);
  }

  /**
   * Decodes the items of one wire read and appends those `filter` accepts to `accepted`.
   * `next` is the read's next sequence, which names the read in errors.
   * @throws ClusterError (code RINGCAST_CLUSTER_ERROR) for an item that does not decode, such
   *   as JSON text that another client wrote invalid.
   */
  #accept(
    result: HazelcastReadResultSet<unknown>,
    filter: ReadFilter<T> | null | undefined,
    accepted: ItemBatch,
    next: number,
  ): void {
    const size = result.size();
    if (size === 0) return;
    let values: T[];
    try {
      values = this.#codec.readAll(result);
    } catch (error) {
      const first = result.getSequence(0).toNumber();
      const operation = `readMany of sequences ${first} to ${next - 1}`;
      throw translateError(error, this.#errorContext(operation));
    }
    const first = result.getSequence(0).toNumber();
    // Sequences only increase, so equal spans mean consecutive ones, as every unfiltered
    // read returns. The batch then keeps the first sequence instead of one per item.
    if (!filter && result.getSequence(size - 1).toNumber() === first + size - 1) {
      accepted.pushValues(first, values);
      return;
    }
    for (let i = 0; i < size; i++) {
      const item = values[i];
      if (!filter || filter(item)) accepted.pushValue(result.getSequence(i).toNumber(), item);
    }
  }

  async destroy(): Promise<void> {
    this.#context.checkActive();
    await this.#call('destroy', () => this.#ring.destroy());
    this.#context.rejectWaits();
  }

  blocking(): BlockingRingbuffer<T> {
    throw new RingcastError(
      ErrorCode.UNSUPPORTED,
      `ringbuffer name=${JSON.stringify(this.#name)} is on a cluster, which has no blocking ` +
        'view: a thread cannot block on network I/O in Node.js; use the async methods',
    );
  }

  /**
   * Handles a readMany request's rejection. For a start beyond tailSequence + 1 it returns
   * tailSequence + 1 to read from, as the embedded engine clamps it. It throws any other
   * failure, translated.
   * NOTE: 5.7.0 members clamp such a start themselves (and #clampedStart covers the empty
   * result), so the clamp here serves members that reject it with IllegalArgumentException.
   */
  async #clampRejected(error: unknown, start: number): Promise<number> {
    if (error instanceof RingcastError) throw error;
    const operation = `readMany(startSequence=${start})`;
    const translated = translateError(error, this.#errorContext(operation));
    if (!(translated instanceof RangeError)) throw translated;
    const tail = await this.tailSequence();
    if (start <= tail + 1) throw translated;
    return tail + 1;
  }

  /**
   * The start clamped into [headSequence, tailSequence + 1], for a read that examined
   * nothing (Hazelcast then returns 0 as the next sequence). Only items added after the
   * read can make it differ from the clamp at read time.
   */
  async #clampedStart(start: number): Promise<number> {
    const [head, tail] = await Promise.all([this.headSequence(), this.tailSequence()]);
    return Math.min(Math.max(start, head), tail + 1);
  }

  /** Runs one request and translates its failure. */
  async #call<R>(operation: string, request: () => Promise<R>): Promise<R> {
    try {
      return await request();
    } catch (error) {
      throw translateError(error, this.#errorContext(operation));
    }
  }

  /**
   * Runs a request that may wait on the member, racing it against the abort signal, the
   * client's shutdown and a destroy of the ring by this client. `destroys` is the destroy
   * count when the read began: a read that outlived a destroy rejects instead of waiting on
   * the new ring its request would create.
   * NOTE: an abort settles the Promise at once, but the member keeps the request parked
   * until an item arrives or the invocation times out; its late result is dropped.
   */
  #wait<R>(
    signal: AbortSignal | undefined,
    destroys: number,
    request: () => Promise<R>,
  ): Promise<R> {
    if (this.#context.destroyCount() !== destroys) {
      return Promise.reject(new DistributedObjectDestroyedError(this.#name));
    }
    // The signal may have aborted between two requests of one read, or in its filter, and
    // then it fires no more events.
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    // The callbacks are anonymous arrows and a listener object rather than named closures,
    // because a request per read is the hot path and tsx's keepNames adds a call per name.
    return new Promise<R>((resolve, reject) => {
      const pending = new PendingRequest<R>(resolve, reject, signal, this.#context);
      request().then(
        (value) => pending.succeed(value),
        (error: unknown) => pending.fail(error),
      );
    });
  }

  #errorContext(operation: string, sequence?: number) {
    return { name: this.#name, operation, shutDown: this.#context.isShutDown(), sequence };
  }
}
