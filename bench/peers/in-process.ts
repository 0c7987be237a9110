/**
 * The in-process peers behind one interface: the plain array ring, denque, ring-buffer-ts
 * and ringbufferjs. Each keeps the newest `capacity` items, overwriting the oldest.
 */
import Denque from 'denque';
import { RingBuffer as TsRingBuffer } from 'ring-buffer-ts';
import RingBufferJs from 'ringbufferjs';

import { ArrayRing } from './js-ring';

export interface LocalRing<T> {
  add(item: T): void;
  addBatch(items: readonly T[]): void;
  /** Sequence of the oldest retained item, counting every item ever added from 0. */
  headSequence(): number;
  /** Passes `count` items from `start` to `touch` and returns the sum of its results. */
  readRange(start: number, count: number, touch: (item: T) => number): number;
}

export const LOCAL_PEERS = {
  'js-ring': 'plain JS array ring',
  denque: 'denque',
  'ring-buffer-ts': 'ring-buffer-ts',
  ringbufferjs: 'ringbufferjs',
} as const;

export type LocalPeerId = keyof typeof LOCAL_PEERS;

export function isLocalPeer(id: string): id is LocalPeerId {
  return id in LOCAL_PEERS;
}

class ArrayRingAdapter<T> implements LocalRing<T> {
  private readonly ring: ArrayRing<T>;

  constructor(capacity: number) {
    this.ring = new ArrayRing<T>(capacity);
  }

  add(item: T): void {
    this.ring.add(item);
  }

  addBatch(items: readonly T[]): void {
    for (let i = 0; i < items.length; i++) this.ring.add(items[i]);
  }

  headSequence(): number {
    return this.ring.headSequence();
  }

  readRange(start: number, count: number, touch: (item: T) => number): number {
    let sum = 0;
    for (let sequence = start; sequence < start + count; sequence++) {
      sum += touch(this.ring.get(sequence) as T);
    }
    return sum;
  }
}

/** denque is a double-ended queue; its `capacity` option makes push drop the oldest item. */
class DenqueAdapter<T> implements LocalRing<T> {
  private readonly queue: Denque<T>;
  private added = 0;

  constructor(capacity: number) {
    this.queue = new Denque<T>([], { capacity });
  }

  add(item: T): void {
    this.queue.push(item);
    this.added++;
  }

  addBatch(items: readonly T[]): void {
    for (let i = 0; i < items.length; i++) this.add(items[i]);
  }

  headSequence(): number {
    return this.added - this.queue.length;
  }

  readRange(start: number, count: number, touch: (item: T) => number): number {
    const offset = start - this.headSequence();
    let sum = 0;
    for (let index = offset; index < offset + count; index++) {
      sum += touch(this.queue.peekAt(index) as T);
    }
    return sum;
  }
}

/** ring-buffer-ts overwrites on add; get(index) counts from the oldest item. */
class TsRingBufferAdapter<T> implements LocalRing<T> {
  private readonly ring: TsRingBuffer<T>;
  private added = 0;

  constructor(private readonly capacity: number) {
    this.ring = new TsRingBuffer<T>(capacity);
  }

  add(item: T): void {
    this.ring.add(item);
    this.added++;
  }

  addBatch(items: readonly T[]): void {
    this.ring.add(...items);
    this.added += items.length;
  }

  headSequence(): number {
    return Math.max(0, this.added - this.capacity);
  }

  readRange(start: number, count: number, touch: (item: T) => number): number {
    const offset = start - this.headSequence();
    let sum = 0;
    for (let index = offset; index < offset + count; index++) {
      sum += touch(this.ring.get(index) as T);
    }
    return sum;
  }
}

/**
 * ringbufferjs evicts the oldest item on enq. It has no access by index: peekN returns a
 * copy of the oldest `count` items, so its reads start at the head whatever `start` is.
 */
class RingBufferJsAdapter<T> implements LocalRing<T> {
  private readonly ring: RingBufferJs<T>;
  private added = 0;

  constructor(private readonly capacity: number) {
    this.ring = new RingBufferJs<T>(capacity);
  }

  add(item: T): void {
    this.ring.enq(item);
    this.added++;
  }

  addBatch(items: readonly T[]): void {
    for (let i = 0; i < items.length; i++) this.ring.enq(items[i]);
    this.added += items.length;
  }

  headSequence(): number {
    return Math.max(0, this.added - this.capacity);
  }

  readRange(_start: number, count: number, touch: (item: T) => number): number {
    const items = this.ring.peekN(count);
    let sum = 0;
    for (let i = 0; i < items.length; i++) sum += touch(items[i]);
    return sum;
  }
}

/** Creates the in-process peer `id` with room for `capacity` items. */
export function createLocalRing<T>(id: LocalPeerId, capacity: number): LocalRing<T> {
  if (id === 'js-ring') return new ArrayRingAdapter<T>(capacity);
  if (id === 'denque') return new DenqueAdapter<T>(capacity);
  if (id === 'ring-buffer-ts') return new TsRingBufferAdapter<T>(capacity);
  return new RingBufferJsAdapter<T>(capacity);
}
