/** The lazily decoded result of `readMany`. */
import type { ReadResultSet } from './ring-buffer';

/** Decodes the stored bytes of one item; supplied by the backend that produced them. */
export type Decoder = (buffer: Uint8Array, offset: number, length: number) => unknown;

/**
 * The items a read accepted: an item is either a value already or still bytes in a read
 * frame, decoded on first access. The arrays that locate encoded bytes are created with
 * the first encoded item, and per-item sequences with the first item that does not follow
 * its predecessor, so an unfiltered batch of values keeps one array.
 * @internal
 */
export class ItemBatch {
  #values: unknown[] = [];
  /** Sequence of item 0, which gives every sequence while `#sequences` is undefined. */
  #first = 0;
  #sequences: number[] | undefined;
  /** Per item, the frame holding its bytes until it is decoded, else undefined. */
  #frames: Array<Uint8Array | undefined> | undefined;
  #offsets: number[] | undefined;
  #lengths: number[] | undefined;

  get size(): number {
    return this.#values.length;
  }

  /** The items, in order; an item still encoded is undefined here until valueAt decodes it. */
  get values(): readonly unknown[] {
    return this.#values;
  }

  /** True when some item was added encoded; it may have been decoded since. */
  get hasEncoded(): boolean {
    return this.#frames !== undefined;
  }

  /** Returns the sequence of item `index` (0 <= index < size). */
  sequenceAt(index: number): number {
    return this.#sequences === undefined ? this.#first + index : this.#sequences[index];
  }

  pushValue(sequence: number, value: unknown): void {
    this.#pushSequence(sequence);
    this.#values.push(value);
    if (this.#frames !== undefined) {
      this.#frames.push(undefined);
      this.#offsets!.push(0);
      this.#lengths!.push(0);
    }
  }

  /**
   * Appends `values` with the consecutive sequences from `first`. The batch takes the array
   * itself when it is empty, so the caller must not change it afterwards.
   */
  pushValues(first: number, values: unknown[]): void {
    if (this.#values.length === 0 && this.#frames === undefined) {
      this.#first = first;
      this.#values = values;
      return;
    }
    for (let i = 0; i < values.length; i++) this.pushValue(first + i, values[i]);
  }

  pushEncoded(sequence: number, buffer: Uint8Array, offset: number, length: number): void {
    if (this.#frames === undefined) {
      // The values before this item need no decoding.
      const size = this.#values.length;
      this.#frames = new Array<Uint8Array | undefined>(size).fill(undefined);
      this.#offsets = new Array<number>(size).fill(0);
      this.#lengths = new Array<number>(size).fill(0);
    }
    this.#pushSequence(sequence);
    this.#values.push(undefined);
    this.#frames.push(buffer);
    this.#offsets!.push(offset);
    this.#lengths!.push(length);
  }

  /** Records the sequence of the item about to be appended. */
  #pushSequence(sequence: number): void {
    const size = this.#values.length;
    if (this.#sequences === undefined) {
      if (size === 0) {
        this.#first = sequence;
        return;
      }
      if (sequence === this.#first + size) return;
      const first = this.#first;
      this.#sequences = Array.from({ length: size }, (_, i) => first + i);
    }
    this.#sequences.push(sequence);
  }

  /**
   * Returns item `index` (0 <= index < size), decoding it with `decode` on first access
   * and keeping the decoded value.
   */
  valueAt(index: number, decode: Decoder | undefined): unknown {
    const frames = this.#frames;
    const buffer = frames === undefined ? undefined : frames[index];
    if (buffer !== undefined) {
      this.#values[index] = decode!(buffer, this.#offsets![index], this.#lengths![index]);
      frames![index] = undefined;
    }
    return this.#values[index];
  }
}

/** Iterates a result set in order, decoding each item as it is reached. */
class ResultIterator<T> implements IterableIterator<T> {
  readonly #results: LazyReadResultSet<T>;
  #index = 0;

  constructor(results: LazyReadResultSet<T>) {
    this.#results = results;
  }

  next(): IteratorResult<T, undefined> {
    const results = this.#results;
    if (this.#index >= results.size()) return { value: undefined, done: true };
    return { value: results.get(this.#index++) as T, done: false };
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }
}

/** @internal */
export class LazyReadResultSet<T> implements ReadResultSet<T> {
  readonly #readCount: number;
  readonly #nextSequence: number;
  readonly #items: ItemBatch;
  readonly #decode: Decoder | undefined;

  constructor(readCount: number, nextSequence: number, items: ItemBatch, decode?: Decoder) {
    this.#readCount = readCount;
    this.#nextSequence = nextSequence;
    this.#items = items;
    this.#decode = decode;
  }

  get length(): number {
    return this.#items.size;
  }

  getReadCount(): number {
    return this.#readCount;
  }

  size(): number {
    return this.#items.size;
  }

  get(index: number): T | undefined {
    const items = this.#items;
    if (!Number.isInteger(index) || index < 0 || index >= items.size) return undefined;
    return items.valueAt(index, this.#decode) as T;
  }

  getSequence(index: number): number | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#items.size) return undefined;
    return this.#items.sequenceAt(index);
  }

  getNextSequenceToReadFrom(): number {
    return this.#nextSequence;
  }

  [Symbol.iterator](): Iterator<T> {
    const items = this.#items;
    // Nothing to decode, and the values array no longer changes, so its own iterator serves.
    if (!items.hasEncoded) return items.values[Symbol.iterator]() as Iterator<T>;
    return new ResultIterator(this);
  }
}
