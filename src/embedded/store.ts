/**
 * Storage behind an embedded ring. BinaryStore keeps serialized items in the native core,
 * shared by every thread of the process; ObjectStore keeps JavaScript values in the
 * thread that created the ring.
 */
import { ADD_DESTROYED, binding, ReadStatus, WakeReason, type RingHandle } from '../binding';
import { decodeValue } from '../codec/decode';
import { releaseWriter, takeWriter } from '../codec/encode';
import type { Decoder, ItemBatch } from '../read-result-set';

export { ADD_DESTROYED, ReadStatus, WakeReason };

/** Largest frame payload one native read copies; a read needing more makes more calls. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024;
const FRAME_HEADER_BYTES = 16;
const RECORD_HEADER_BYTES = 16;
const TWO_POW_32 = 2 ** 32;

export interface RingState {
  head: number;
  tail: number;
  destroyed: boolean;
}

export interface RingStore {
  readonly capacity: number;
  readonly timeToLiveSeconds: number;
  /** Decoder for items a read left encoded; undefined when items are stored as values. */
  readonly decode: Decoder | undefined;
  state(): RingState;
  /** Reports whether the ring was destroyed; cheaper than state(). */
  isDestroyed(): boolean;
  /**
   * Adds the item(s). Returns the (last) sequence, -1 when FAIL found no room, or
   * ADD_DESTROYED, storing nothing, when the ring was destroyed.
   */
  add(item: unknown, failOnOverflow: boolean): number;
  addAll(items: readonly unknown[], failOnOverflow: boolean): number;
  /** Reads one item; `status` reports whether it was there. */
  readOne(sequence: number): { status: number; value: unknown };
  /**
   * Appends up to maxCount items from max(start, head) to `batch` and returns the clamped
   * start and the number appended (0 when start is past the tail).
   */
  readBatch(start: number, maxCount: number, batch: ItemBatch): { start: number; count: number };
  /** Calls `wake` after adds from any thread and on destroy; returns the unsubscribe function. */
  subscribe(wake: (reason: number) => void): () => void;
  destroy(): void;
  /** True when other threads can add to the ring (BINARY), false for an OBJECT ring. */
  readonly shared: boolean;
  /** Returns a counter that changes after every add that stored items and on destroy. */
  publishCount(): number;
  /**
   * Blocks this thread until publishCount() differs from `seen` or `timeoutMs` (0 .. 2^31-1)
   * elapses, and returns publishCount().
   */
  waitForPublish(seen: number, timeoutMs: number): number;
}

function readInt64(view: DataView, offset: number): number {
  return view.getInt32(offset + 4, true) * TWO_POW_32 + view.getUint32(offset, true);
}

/** Items serialized in the native core; one ring per process and name. */
export class BinaryStore implements RingStore {
  readonly decode: Decoder = decodeValue;
  readonly shared = true;
  readonly #handle: RingHandle;
  readonly #stateOut = new Float64Array(3);
  readonly #status = new Int32Array(1);

  constructor(
    handle: RingHandle,
    readonly capacity: number,
    readonly timeToLiveSeconds: number,
  ) {
    this.#handle = handle;
  }

  state(): RingState {
    const out = this.#stateOut;
    binding.ringState(this.#handle, out);
    return { head: out[0], tail: out[1], destroyed: out[2] !== 0 };
  }

  isDestroyed(): boolean {
    binding.ringState(this.#handle, this.#stateOut);
    return this.#stateOut[2] !== 0;
  }

  // Items are encoded in JavaScript (src/codec), and the native side checks and stores
  // the bytes.
  add(item: unknown, failOnOverflow: boolean): number {
    const writer = takeWriter();
    try {
      writer.write(item, 'item');
      return binding.ringAddEncoded(
        this.#handle,
        writer.buffer,
        0,
        writer.position,
        failOnOverflow,
      );
    } finally {
      releaseWriter(writer);
    }
  }

  addAll(items: readonly unknown[], failOnOverflow: boolean): number {
    const writer = takeWriter();
    try {
      const ends = writer.writeAll(items);
      return binding.ringAddAllEncoded(
        this.#handle,
        writer.buffer,
        ends,
        items.length,
        failOnOverflow,
      );
    } finally {
      releaseWriter(writer);
    }
  }

  readOne(sequence: number): { status: number; value: unknown } {
    const value = binding.ringReadOne(this.#handle, sequence, this.#status);
    return { status: this.#status[0], value };
  }

  readBatch(start: number, maxCount: number, batch: ItemBatch): { start: number; count: number } {
    const frame = binding.ringReadMany(this.#handle, start, maxCount, MAX_FRAME_BYTES);
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const clampedStart = readInt64(view, 0);
    const count = view.getUint32(8, true);
    let offset = FRAME_HEADER_BYTES;
    for (let i = 0; i < count; i++) {
      const sequence = readInt64(view, offset);
      const length = view.getUint32(offset + 8, true);
      offset += RECORD_HEADER_BYTES;
      batch.pushEncoded(sequence, frame, offset, length);
      offset += (length + 7) & ~7;
    }
    return { start: clampedStart, count };
  }

  subscribe(wake: (reason: number) => void): () => void {
    const handle = this.#handle;
    const id = binding.ringSubscribe(handle, wake);
    return () => binding.ringUnsubscribe(handle, id);
  }

  destroy(): void {
    binding.ringDestroy(this.#handle);
  }

  publishCount(): number {
    return binding.ringPublishCount(this.#handle);
  }

  waitForPublish(seen: number, timeoutMs: number): number {
    return binding.ringWaitForPublish(this.#handle, seen, timeoutMs);
  }
}

/** The items of an OBJECT ring, kept as values in this thread. */
class ObjectRing {
  readonly items: unknown[] = [];
  /** Date.now() of each item's add, by slot; written only when the ring has a TTL. */
  readonly addedAt: number[] = [];
  readonly listeners = new Set<(reason: number) => void>();
  head = 0;
  tail = -1;
  /** The slot of `tail`: tail % capacity, or -1 before the first add. */
  tailIndex = -1;
  destroyed = false;
  /** Changes with every notify(), as BinaryStore's native publish counter does. */
  publishCount = 0;

  constructor(
    readonly capacity: number,
    readonly timeToLiveMs: number,
  ) {}

  /** Returns Date.now() for expiry, or 0 without a TTL, where no item expires. */
  now(): number {
    return this.timeToLiveMs === 0 ? 0 : Date.now();
  }

  /** Moves head past expired items; the stored values are released for collection. */
  expire(now: number): void {
    if (this.timeToLiveMs === 0) return;
    while (this.head <= this.tail) {
      const index = this.head % this.capacity;
      if (this.addedAt[index] + this.timeToLiveMs > now) break;
      this.items[index] = undefined;
      this.head++;
    }
  }

  /**
   * Returns the room FAIL checks against. As Hazelcast: without a TTL it is always the
   * full capacity, so FAIL fails only for a batch larger than the ring.
   */
  remainingCapacity(): number {
    if (this.timeToLiveMs === 0) return this.capacity;
    return this.capacity - (this.tail - this.head + 1);
  }

  push(item: unknown, now: number): void {
    this.tail++;
    // tail % capacity, kept incrementally so that an add needs no integer division.
    let index = this.tailIndex + 1;
    if (index === this.capacity) index = 0;
    this.tailIndex = index;
    this.items[index] = item;
    if (this.timeToLiveMs !== 0) this.addedAt[index] = now;
    if (this.tail - this.head + 1 > this.capacity) this.head++;
  }

  notify(reason: number): void {
    this.publishCount++;
    if (this.listeners.size === 0) return;
    for (const listener of [...this.listeners]) listener(reason);
  }
}

/** OBJECT rings of this thread by name. */
const objectRings = new Map<string, ObjectRing>();

/** Never notified: ObjectStore.waitForPublish sleeps on it with Atomics.wait. */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Items kept as JavaScript values; reads return the stored value itself. */
export class ObjectStore implements RingStore {
  readonly decode = undefined;
  readonly shared = false;
  readonly #name: string;
  readonly #ring: ObjectRing;
  readonly #handle: RingHandle;

  constructor(
    name: string,
    handle: RingHandle,
    readonly capacity: number,
    readonly timeToLiveSeconds: number,
  ) {
    let ring = objectRings.get(name);
    if (ring === undefined || ring.destroyed) {
      ring = new ObjectRing(capacity, timeToLiveSeconds * 1000);
      objectRings.set(name, ring);
    }
    this.#name = name;
    this.#ring = ring;
    this.#handle = handle;
  }

  state(): RingState {
    const ring = this.#ring;
    ring.expire(ring.now());
    return { head: ring.head, tail: ring.tail, destroyed: ring.destroyed };
  }

  isDestroyed(): boolean {
    return this.#ring.destroyed;
  }

  add(item: unknown, failOnOverflow: boolean): number {
    const ring = this.#ring;
    if (ring.destroyed) return ADD_DESTROYED;
    const now = ring.now();
    ring.expire(now);
    if (failOnOverflow && ring.remainingCapacity() < 1) return -1;
    ring.push(item, now);
    ring.notify(WakeReason.PUBLISHED);
    return ring.tail;
  }

  addAll(items: readonly unknown[], failOnOverflow: boolean): number {
    const ring = this.#ring;
    if (ring.destroyed) return ADD_DESTROYED;
    const now = ring.now();
    ring.expire(now);
    if (failOnOverflow && ring.remainingCapacity() < items.length) return -1;
    for (let i = 0; i < items.length; i++) ring.push(items[i], now);
    ring.notify(WakeReason.PUBLISHED);
    return ring.tail;
  }

  readOne(sequence: number): { status: number; value: unknown } {
    const ring = this.#ring;
    ring.expire(ring.now());
    if (sequence < ring.head) return { status: ReadStatus.STALE, value: undefined };
    if (sequence > ring.tail) return { status: ReadStatus.NOT_YET, value: undefined };
    return { status: ReadStatus.OK, value: ring.items[sequence % ring.capacity] };
  }

  readBatch(start: number, maxCount: number, batch: ItemBatch): { start: number; count: number } {
    const ring = this.#ring;
    ring.expire(ring.now());
    const from = Math.min(Math.max(start, ring.head), ring.tail + 1);
    const count = Math.min(maxCount, ring.tail - from + 1);
    if (count <= 0) return { start: from, count: 0 };
    // One copy of the slots, or two when the range wraps past the end of the array.
    const { items, capacity } = ring;
    const index = from % capacity;
    const values =
      index + count <= capacity
        ? items.slice(index, index + count)
        : items.slice(index).concat(items.slice(0, index + count - capacity));
    batch.pushValues(from, values);
    return { start: from, count };
  }

  subscribe(wake: (reason: number) => void): () => void {
    // Deliver on a later microtask, as the native wake-ups arrive on a later turn, so a
    // waiter never runs inside the add that woke it.
    const listener = (reason: number) => queueMicrotask(() => wake(reason));
    const listeners = this.#ring.listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  destroy(): void {
    const ring = this.#ring;
    if (objectRings.get(this.#name) === ring) objectRings.delete(this.#name);
    ring.destroyed = true;
    ring.items.length = 0;
    binding.ringDestroy(this.#handle);
    ring.notify(WakeReason.DESTROYED);
  }

  publishCount(): number {
    return this.#ring.publishCount;
  }

  /**
   * Only this thread changes an OBJECT ring, and it is the one blocked here, so the count
   * cannot change: this sleeps for the whole timeout.
   */
  waitForPublish(seen: number, timeoutMs: number): number {
    if (this.#ring.publishCount === seen) Atomics.wait(sleepCell, 0, 0, timeoutMs);
    return this.#ring.publishCount;
  }
}
