/**
 * A plain TypeScript model of the Ringbuffer semantics, used by the property test as the
 * reference for each step. Time never passes in the model: with a TTL, items count against
 * remainingCapacity but never expire.
 */

/** What a read does in the model. */
export type ReadOutcome<T> =
  | { kind: 'value'; value: T }
  | { kind: 'stale'; headSequence: number }
  | { kind: 'rangeError'; argument: string }
  | { kind: 'typeError'; argument: string }
  | { kind: 'waits' };

/** The observable content of a ReadResultSet. */
export interface ReadManyContent<T> {
  items: T[];
  sequences: number[];
  readCount: number;
  nextSequenceToReadFrom: number;
}

export class RingModel<T> {
  headSequence = 0;
  tailSequence = -1;
  private readonly items = new Map<number, T>();

  /** `hasTimeToLive` is true when the ring was created with timeToLiveSeconds > 0. */
  constructor(
    readonly capacity: number,
    readonly hasTimeToLive: boolean,
  ) {}

  get size(): number {
    return this.tailSequence - this.headSequence + 1;
  }

  /** Always `capacity` without a TTL (as Hazelcast), and the free slots with one. */
  get remainingCapacity(): number {
    return this.hasTimeToLive ? this.capacity - this.size : this.capacity;
  }

  /** Adds one item and returns its sequence, or -1 when FAIL finds no room. */
  add(item: T, fail: boolean): number {
    if (fail && this.remainingCapacity < 1) {
      return -1;
    }
    this.append(item);
    return this.tailSequence;
  }

  /** Adds all items and returns the last sequence, or adds none and returns -1 for FAIL. */
  addAll(items: readonly T[], fail: boolean): number {
    if (fail && this.remainingCapacity < items.length) {
      return -1;
    }
    for (const item of items) {
      this.append(item);
    }
    return this.tailSequence;
  }

  readOne(sequence: number): ReadOutcome<T> {
    if (!Number.isSafeInteger(sequence) || sequence < 0) {
      return { kind: 'rangeError', argument: 'sequence' };
    }
    if (sequence < this.headSequence) {
      return { kind: 'stale', headSequence: this.headSequence };
    }
    if (sequence <= this.tailSequence) {
      return { kind: 'value', value: this.items.get(sequence) as T };
    }
    if (sequence === this.tailSequence + 1) {
      return { kind: 'waits' };
    }
    return { kind: 'rangeError', argument: 'sequence' };
  }

  /**
   * Applies readMany's validation in the documented order, then walks from the clamped
   * start. Returns `waits` when fewer than minCount items pass the filter.
   */
  readMany(
    startSequence: number,
    minCount: number,
    maxCount: number,
    filter?: (item: T) => boolean,
  ): ReadOutcome<ReadManyContent<T>> {
    const invalid = this.validateReadMany(startSequence, minCount, maxCount);
    if (invalid !== undefined) {
      return { kind: 'rangeError', argument: invalid };
    }
    const start = Math.min(Math.max(startSequence, this.headSequence), this.tailSequence + 1);
    const content: ReadManyContent<T> = {
      items: [],
      sequences: [],
      readCount: 0,
      nextSequenceToReadFrom: start,
    };
    for (let sequence = start; sequence <= this.tailSequence; sequence++) {
      if (content.items.length === maxCount) {
        break;
      }
      const item = this.items.get(sequence) as T;
      content.readCount += 1;
      content.nextSequenceToReadFrom = sequence + 1;
      if (filter === undefined || filter(item)) {
        content.items.push(item);
        content.sequences.push(sequence);
      }
    }
    if (content.items.length < minCount) {
      return { kind: 'waits' };
    }
    return { kind: 'value', value: content };
  }

  /** Returns the name of the first argument readMany rejects, or undefined. */
  private validateReadMany(start: number, minCount: number, maxCount: number): string | undefined {
    if (!Number.isSafeInteger(start) || start < 0) {
      return 'startSequence';
    }
    if (!Number.isSafeInteger(minCount) || minCount < 0) {
      return 'minCount';
    }
    if (!Number.isSafeInteger(maxCount) || maxCount < minCount) {
      return 'maxCount';
    }
    if (maxCount < 1) {
      return 'maxCount';
    }
    if (minCount > this.capacity) {
      return 'minCount';
    }
    if (maxCount > this.capacity) {
      return 'maxCount';
    }
    return undefined;
  }

  private append(item: T): void {
    this.tailSequence += 1;
    this.items.set(this.tailSequence, item);
    if (this.size > this.capacity) {
      this.items.delete(this.headSequence);
      this.headSequence += 1;
    }
  }
}
