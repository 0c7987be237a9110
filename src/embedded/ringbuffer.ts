/** The embedded backend's Ringbuffer: argument checks, waiting reads and wake-ups. */
import { unwatchAbort, watchAbort, type AbortWatcher } from '../abort-watch';
import {
  AbortError,
  DistributedObjectDestroyedError,
  ErrorCode,
  StaleSequenceError,
  TimeoutError,
} from '../errors';
import { ItemBatch, LazyReadResultSet, type Decoder } from '../read-result-set';
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
import { EmbeddedBlockingRingbuffer } from './blocking';
import { ADD_DESTROYED, ReadStatus, WakeReason, type RingStore } from './store';

/** The client services a ring proxy uses: its active check and reopening after destroy. */
export interface ProxyContext {
  /** Throws ClientNotActiveError once the client is shut down. */
  checkActive(): void;
  /** Opens the ring again under its name after it was destroyed. */
  reopen(): RingStore;
}

/**
 * A read whose arguments passed validation. The async proxy and the blocking view differ
 * only in how they wait between two attempts.
 * @internal
 */
export interface PreparedRead<R> {
  /** The store the read works on; a destroy of its ring makes `attempt` throw. */
  readonly store: RingStore;
  /** The call and its arguments for error messages, such as `readOne(sequence=5)`. */
  readonly operation: string;
  /** Returns the result once the read's condition holds, else undefined; throws on failure. */
  attempt(): { value: R } | undefined;
  /** Returns or throws what the read gives when its wait timed out after `timeoutMs`. */
  timedOut(timeoutMs: number): R;
}

/** A read waiting for items; `check` settles it when its condition is met. */
interface Waiter {
  check(): void;
  fail(error: unknown): void;
}

/** Names of the rings this thread already warned about for FAIL without TTL. */
const warnedFailWithoutTtl = new Set<string>();

/**
 * Times an add opens a destroyed ring again before it gives up, for a ring that other
 * threads destroy as fast as it reopens.
 */
const MAX_REOPENS = 8;

/** Ring proxies of this thread with waiting reads, by ring name, for same-thread wake-ups. */
const waitingProxies = new Map<string, Set<EmbeddedRingbuffer<unknown>>>();
const pendingLocalWakes = new Set<string>();

/**
 * Wakes this thread's waiting reads on `name` on a microtask. Adds from other threads
 * arrive through the native subscription; this saves same-thread adds that round trip.
 */
function wakeLocalWaiters(name: string): void {
  // Kept small enough to inline: the size check keeps the string lookup off adds while
  // nothing waits.
  if (waitingProxies.size !== 0 && waitingProxies.has(name)) scheduleLocalWake(name);
}

function scheduleLocalWake(name: string): void {
  if (pendingLocalWakes.has(name)) return;
  pendingLocalWakes.add(name);
  queueMicrotask(() => {
    pendingLocalWakes.delete(name);
    for (const proxy of waitingProxies.get(name) ?? []) proxy.wake(WakeReason.PUBLISHED);
  });
}

/** A validated readOne; each attempt reads the item if it is there. */
class ReadOneRequest<T> implements PreparedRead<T> {
  readonly store: RingStore;
  readonly #name: string;
  readonly #sequence: number;

  constructor(name: string, store: RingStore, sequence: number) {
    this.#name = name;
    this.store = store;
    this.#sequence = sequence;
  }

  /** Built on demand, because only errors and timeouts use it. */
  get operation(): string {
    return `readOne(sequence=${this.#sequence})`;
  }

  attempt(): { value: T } | undefined {
    const store = this.store;
    const requested = this.#sequence;
    const state = store.state();
    if (state.destroyed) throw new DistributedObjectDestroyedError(this.#name);
    if (requested < state.head) throw new StaleSequenceError(requested, state.head);
    if (requested > state.tail) return undefined;
    const { status, value } = store.readOne(requested);
    if (status === ReadStatus.OK) return { value: value as T };
    if (status === ReadStatus.STALE) {
      throw new StaleSequenceError(requested, store.state().head);
    }
    return undefined;
  }

  timedOut(timeoutMs: number): never {
    throw new TimeoutError(this.operation, this.#name, timeoutMs);
  }
}

/**
 * A validated readMany. Accepted items and the read count accumulate across attempts, and
 * a timed-out read returns what it collected.
 */
class ReadManyRequest<T> implements PreparedRead<ReadResultSet<T>> {
  readonly store: RingStore;
  readonly #name: string;
  readonly #start: number;
  readonly #min: number;
  readonly #max: number;
  readonly #filter: ReadFilter<T> | undefined;
  readonly #accepted = new ItemBatch();
  #readCount = 0;
  /** The next sequence to examine. */
  #cursor: number;

  constructor(
    name: string,
    store: RingStore,
    start: number,
    min: number,
    max: number,
    filter: ReadFilter<T> | undefined,
  ) {
    this.#name = name;
    this.store = store;
    this.#start = start;
    this.#min = min;
    this.#max = max;
    this.#filter = filter;
    this.#cursor = start;
  }

  /** Built on demand, because only errors use it. */
  get operation(): string {
    return (
      `readMany(startSequence=${this.#start}, minCount=${this.#min}, ` +
      `maxCount=${this.#max})`
    );
  }

  attempt(): { value: ReadResultSet<T> } | undefined {
    const store = this.store;
    const state = store.state();
    if (state.destroyed) throw new DistributedObjectDestroyedError(this.#name);
    const accepted = this.#accepted;
    const filter = this.#filter;
    // The clamp is applied again on every wake-up: items may have been overwritten.
    this.#cursor = Math.min(Math.max(this.#cursor, state.head), state.tail + 1);
    while (accepted.size < this.#max) {
      const examined = filter ? new ItemBatch() : accepted;
      const batch = store.readBatch(this.#cursor, this.#max - accepted.size, examined);
      if (batch.count === 0) break;
      this.#readCount += batch.count;
      this.#cursor = batch.start + batch.count;
      if (filter) applyFilter(filter, examined, accepted, store.decode);
    }
    if (accepted.size < this.#min) return undefined;
    return { value: this.#collected() };
  }

  /** Returns the items collected so far, as a blocking read that timed out does. */
  timedOut(): ReadResultSet<T> {
    return this.#collected();
  }

  #collected(): ReadResultSet<T> {
    return new LazyReadResultSet<T>(
      this.#readCount,
      this.#cursor,
      this.#accepted,
      this.store.decode,
    );
  }
}

/** Appends the items of `examined` that pass `filter` to `accepted`, decoding them first. */
function applyFilter<T>(
  filter: ReadFilter<T>,
  examined: ItemBatch,
  accepted: ItemBatch,
  decode: Decoder | undefined,
): void {
  for (let i = 0; i < examined.size; i++) {
    const value = examined.valueAt(i, decode);
    if (filter(value as T)) accepted.pushValue(examined.sequenceAt(i), value);
  }
}

/** @internal */
export class EmbeddedRingbuffer<T> implements Ringbuffer<T> {
  readonly #name: string;
  readonly #context: ProxyContext;
  #store: RingStore;
  readonly #waiters = new Set<Waiter>();
  #unsubscribe: (() => void) | undefined;
  #blocking: EmbeddedBlockingRingbuffer<T> | undefined;

  constructor(name: string, store: RingStore, context: ProxyContext) {
    this.#name = name;
    this.#store = store;
    this.#context = context;
  }

  getName(): string {
    return this.#name;
  }

  async capacity(): Promise<number> {
    return this.capacitySync();
  }

  async size(): Promise<number> {
    return this.sizeSync();
  }

  async headSequence(): Promise<number> {
    return this.headSequenceSync();
  }

  async tailSequence(): Promise<number> {
    return this.tailSequenceSync();
  }

  async remainingCapacity(): Promise<number> {
    return this.remainingCapacitySync();
  }

  async add(item: T, overflowPolicy: OverflowPolicy = OverflowPolicy.OVERWRITE): Promise<number> {
    return this.addSync(item, overflowPolicy);
  }

  async addAll(
    items: readonly T[],
    overflowPolicy: OverflowPolicy = OverflowPolicy.OVERWRITE,
  ): Promise<number> {
    return this.addAllSync(items, overflowPolicy);
  }

  async readOne(sequence: number | bigint, options?: ReadOptions): Promise<T> {
    let signal: AbortSignal | undefined;
    const read = this.prepareReadOne(sequence, () => {
      signal = toSignal(options);
    });
    const result = read.attempt();
    if (result !== undefined) return result.value;
    return this.#wait(signal, read);
  }

  async readMany(
    startSequence: number | bigint,
    minCount: number | bigint,
    maxCount: number | bigint,
    filter?: ReadFilter<T> | null,
    options?: ReadOptions,
  ): Promise<ReadResultSet<T>> {
    let signal: AbortSignal | undefined;
    const read = this.prepareReadMany(startSequence, minCount, maxCount, filter, () => {
      signal = toSignal(options);
    });
    const result = read.attempt();
    if (result !== undefined) return result.value;
    return this.#wait(signal, read);
  }

  async destroy(): Promise<void> {
    this.#context.checkActive();
    const store = this.#store;
    store.destroy();
    warnedFailWithoutTtl.delete(this.#name);
    this.wake(WakeReason.DESTROYED);
  }

  blocking(): BlockingRingbuffer<T> {
    this.#blocking ??= new EmbeddedBlockingRingbuffer<T>(this);
    return this.#blocking;
  }

  // The synchronous forms below serve both the async methods above and the blocking view,
  // so the two check and behave alike. They throw where the async methods reject.

  /** @internal */
  capacitySync(): number {
    this.#context.checkActive();
    return this.#liveStore().capacity;
  }

  /** @internal */
  sizeSync(): number {
    this.#context.checkActive();
    const { head, tail } = this.#liveStore().state();
    return tail - head + 1;
  }

  /** @internal */
  headSequenceSync(): number {
    this.#context.checkActive();
    return this.#liveStore().state().head;
  }

  /** @internal */
  tailSequenceSync(): number {
    this.#context.checkActive();
    return this.#liveStore().state().tail;
  }

  /** @internal */
  remainingCapacitySync(): number {
    this.#context.checkActive();
    const store = this.#liveStore();
    if (store.timeToLiveSeconds === 0) return store.capacity;
    const { head, tail } = store.state();
    return store.capacity - (tail - head + 1);
  }

  /** @internal */
  addSync(item: T, overflowPolicy: OverflowPolicy = OverflowPolicy.OVERWRITE): number {
    this.#context.checkActive();
    // The common case (OVERWRITE and a non-null item) calls no checker; others get the full checks.
    const failOnOverflow =
      overflowPolicy === OverflowPolicy.OVERWRITE ? false : toFailOnOverflow(overflowPolicy);
    if (item === null || item === undefined) checkItem(item);
    let store = this.#store;
    if (failOnOverflow) this.#warnFailWithoutTtl(store);
    // The add itself reports a destroyed ring, which saves a state read on every add.
    let sequence = store.add(item, failOnOverflow);
    for (let reopened = 0; sequence === ADD_DESTROYED; reopened++) {
      if (reopened === MAX_REOPENS) throw new DistributedObjectDestroyedError(this.#name);
      store = this.#liveStore();
      sequence = store.add(item, failOnOverflow);
    }
    // An OBJECT store wakes this thread's waiters itself, through its subscriptions.
    if (sequence >= 0 && store.shared) wakeLocalWaiters(this.#name);
    return sequence;
  }

  /** @internal */
  addAllSync(
    items: readonly T[],
    overflowPolicy: OverflowPolicy = OverflowPolicy.OVERWRITE,
  ): number {
    this.#context.checkActive();
    // A private copy: a getter that runs while items are encoded cannot then swap in an
    // element that was not checked.
    const batch = Array.isArray(items) ? items.slice() : items;
    const failOnOverflow = checkItems(batch, overflowPolicy);
    let store = this.#store;
    if (failOnOverflow) this.#warnFailWithoutTtl(store);
    let sequence = store.addAll(batch, failOnOverflow);
    for (let reopened = 0; sequence === ADD_DESTROYED; reopened++) {
      if (reopened === MAX_REOPENS) throw new DistributedObjectDestroyedError(this.#name);
      store = this.#liveStore();
      sequence = store.addAll(batch, failOnOverflow);
    }
    if (sequence >= 0 && store.shared) wakeLocalWaiters(this.#name);
    return sequence;
  }

  /**
   * Validates readOne's arguments and returns the read. `checkWaitOption` validates the
   * caller's own option (signal or timeout) at its place in the order of the checks.
   * @internal
   */
  prepareReadOne(sequence: number | bigint, checkWaitOption: () => void): PreparedRead<T> {
    this.#context.checkActive();
    const requested = toReadSequence(sequence);
    checkWaitOption();
    const store = this.#liveStore();
    const { tail } = store.state();
    if (requested > tail + 1) {
      invalidRange(
        `sequence=${requested} is beyond tailSequence + 1 = ${tail + 1}; ` +
          'only the next sequence can be waited for',
      );
    }
    return new ReadOneRequest<T>(this.#name, store, requested);
  }

  /** Validates readMany's arguments and returns the read, as prepareReadOne. @internal */
  prepareReadMany(
    startSequence: number | bigint,
    minCount: number | bigint,
    maxCount: number | bigint,
    filter: ReadFilter<T> | null | undefined,
    checkWaitOption: () => void,
  ): PreparedRead<ReadResultSet<T>> {
    this.#context.checkActive();
    const store = this.#liveStore();
    const { start, min, max } = toReadManyArguments<T>(
      startSequence,
      minCount,
      maxCount,
      filter,
      undefined,
      store.capacity,
    );
    checkWaitOption();
    return new ReadManyRequest<T>(this.#name, store, start, min, max, filter ?? undefined);
  }

  /** Settles or re-checks the waiting reads; called on wake-ups from any thread. @internal */
  wake(reason: number): void {
    if (reason === WakeReason.DESTROYED) {
      this.#failAll(new DistributedObjectDestroyedError(this.#name));
      return;
    }
    for (const waiter of [...this.#waiters]) waiter.check();
  }

  /** Rejects every waiting read with `error`, as on client shutdown. @internal */
  close(error: Error): void {
    this.#failAll(error);
  }

  #failAll(error: Error): void {
    for (const waiter of [...this.#waiters]) waiter.fail(error);
  }

  /** Returns the store, opening the ring again if it was destroyed (as Hazelcast proxies do). */
  #liveStore(): RingStore {
    if (this.#store.isDestroyed()) {
      this.#failAll(new DistributedObjectDestroyedError(this.#name));
      this.#store = this.#context.reopen();
    }
    return this.#store;
  }

  /**
   * Waits until the read's attempt returns a result or throws. The subscription is made
   * before the first re-check, so an add that lands between the caller's check and the
   * subscription is not missed.
   */
  #wait<R>(signal: AbortSignal | undefined, read: PreparedRead<R>): Promise<R> {
    // The signal may have aborted during the first attempt, in a filter, and then it fires
    // no more events.
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    return new Promise<R>((resolve, reject) => {
      const finish = () => {
        this.#waiters.delete(waiter);
        if (signal !== undefined) unwatchAbort(signal, watcher);
        if (this.#waiters.size === 0) this.#stopWaiting();
      };
      const waiter: Waiter = {
        check: () => {
          let result: { value: R } | undefined;
          try {
            result = read.attempt();
          } catch (error) {
            finish();
            reject(error);
            return;
          }
          if (result !== undefined) {
            finish();
            resolve(result.value);
          }
        },
        fail: (error) => {
          finish();
          reject(error);
        },
      };
      const watcher: AbortWatcher = { onAbort: (reason) => waiter.fail(new AbortError(reason)) };
      if (signal !== undefined) watchAbort(signal, watcher);
      if (this.#waiters.size === 0) this.#startWaiting();
      this.#waiters.add(waiter);
      waiter.check();
    });
  }

  #startWaiting(): void {
    this.#unsubscribe = this.#store.subscribe((reason) => this.wake(reason));
    let proxies = waitingProxies.get(this.#name);
    if (proxies === undefined) {
      proxies = new Set();
      waitingProxies.set(this.#name, proxies);
    }
    proxies.add(this as EmbeddedRingbuffer<unknown>);
  }

  #stopWaiting(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const proxies = waitingProxies.get(this.#name);
    proxies?.delete(this as EmbeddedRingbuffer<unknown>);
    if (proxies?.size === 0) waitingProxies.delete(this.#name);
  }

  #warnFailWithoutTtl(store: RingStore): void {
    if (store.timeToLiveSeconds !== 0 || warnedFailWithoutTtl.has(this.#name)) return;
    warnedFailWithoutTtl.add(this.#name);
    process.emitWarning(
      `ringbuffer name=${JSON.stringify(this.#name)} is used with OverflowPolicy FAIL and ` +
        'timeToLiveSeconds=0, so FAIL never fails an add that fits the capacity: as in ' +
        'Hazelcast, room frees up only when items expire. Set timeToLiveSeconds for backpressure.',
      { type: 'RingcastWarning', code: ErrorCode.FAIL_WITHOUT_TTL },
    );
  }
}
