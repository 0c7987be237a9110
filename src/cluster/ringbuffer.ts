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
  /** Registers a waiting read for shutdown and destroy to reject; returns its unregister. */
  trackWait(reject: (error: Error) => void): () => void;
  /** How many times this client destroyed the ring's name. */
  destroyCount(): number;
  /** Counts a destroy of the ring and rejects this client's waiting reads on it. */
  rejectWaits(): void;
}

/** The conversion between a cluster ring's items and the values hazelcast-client sends. */
export interface ItemCodec<T> {
  /**
   * Converts a checked (not null) item before it is sent; `path` names it in errors, such as
   * `item` or `items[2]`.
   */
  encode(item: T, path: string): unknown;
  /** Converts an item as hazelcast-client deserialized it. */
  decode(value: unknown): T;
}

/** Does nothing: the `untrack` of a request that the client has not tracked yet. */
function notTracked(): void {}

/**
 * A request that may wait on the member. Its reply, an abort of `signal` or a rejection by
 * the client settles it, whichever comes first. It is the signal's abort listener itself.
 */
class PendingRequest<R> {
  /** Unregisters the request from the client's waiting reads. */
  untrack: () => void = notTracked;
  readonly #resolve: (value: R) => void;
  readonly #reject: (error: unknown) => void;
  readonly #signal: AbortSignal | undefined;

  constructor(
    resolve: (value: R) => void,
    reject: (error: unknown) => void,
    signal: AbortSignal | undefined,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
  }

  succeed(value: R): void {
    this.#finish();
    this.#resolve(value);
  }

  fail(error: unknown): void {
    this.#finish();
    this.#reject(error);
  }

  /** Rejects with an AbortError when the signal aborts. */
  handleEvent(): void {
    this.fail(new AbortError(this.#signal!.reason));
  }

  #finish(): void {
    this.untrack();
    this.#signal?.removeEventListener('abort', this);
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
    const value = this.#codec.encode(item, 'item');
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
    const values = items.map((item, i) => this.#codec.encode(item, `items[${i}]`));
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
    // the last wait.
    for (;;) {
      const wanted = Math.min(max - accepted.size, MAX_WIRE_BATCH);
      // With a filter the member cannot count accepted items, so it waits for one item.
      const missing = Math.max(min - accepted.size, 0);
      const wireMin = filter ? Math.min(missing, 1) : Math.min(missing, wanted);
      const result = await this.#readWire(cursor, wireMin, wanted, signal, destroys);
      const count = result.getReadCount();
      if (count === 0) {
        nextSequence = readCount === 0 ? await this.#clampedStart(start) : cursor;
        break;
      }
      readCount += count;
      cursor = result.getNextSequenceToReadFrom().toNumber();
      nextSequence = cursor;
      for (let i = 0; i < result.size(); i++) {
        const item = this.#codec.decode(result.get(i));
        if (!filter || filter(item)) {
          accepted.pushValue(result.getSequence(i).toNumber(), item);
        }
      }
      if (accepted.size >= max) break;
      if (accepted.size >= min && count < wanted) break;
    }
    return new LazyReadResultSet<T>(readCount, nextSequence, accepted);
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
   * One readMany request on the member. A start beyond tailSequence + 1, which the member
   * rejects, is clamped to tailSequence + 1 as the embedded engine does.
   */
  async #readWire(
    start: number,
    minCount: number,
    maxCount: number,
    signal: AbortSignal | undefined,
    destroys: number,
  ): Promise<HazelcastReadResultSet<unknown>> {
    try {
      return await this.#wait(signal, destroys, () =>
        this.#ring.readMany(start, minCount, maxCount),
      );
    } catch (error) {
      if (error instanceof RingcastError) throw error;
      const operation = `readMany(startSequence=${start})`;
      const translated = translateError(error, this.#errorContext(operation));
      if (!(translated instanceof RangeError)) throw translated;
      const tail = await this.tailSequence();
      if (start <= tail + 1) throw translated;
      return this.#readWire(tail + 1, minCount, maxCount, signal, destroys);
    }
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
    // The callbacks are anonymous arrows and a listener object rather than named closures,
    // because a request per read is the hot path and tsx's keepNames adds a call per name.
    return new Promise<R>((resolve, reject) => {
      const pending = new PendingRequest<R>(resolve, reject, signal);
      pending.untrack = this.#context.trackWait((error) => pending.fail(error));
      signal?.addEventListener('abort', pending, { once: true });
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
