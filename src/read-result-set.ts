/** The lazily decoded result of `readMany`. */
import type { ReadResultSet } from './ring-buffer';

/** Decodes the stored bytes of one item; supplied by the backend that produced them. */
export type Decoder = (buffer: Uint8Array, offset: number, length: number) => unknown;

/**
 * The items a read accepted, as parallel arrays: an item is either decoded already
 * (`encoded[i]` undefined) or still bytes in a read frame, decoded on first access.
 * @internal
 */
export class ItemBatch {
  readonly sequences: number[] = [];
  readonly values: unknown[] = [];
  readonly encoded: Array<Uint8Array | undefined> = [];
  readonly offsets: number[] = [];
  readonly lengths: number[] = [];

  get size(): number {
    return this.sequences.length;
  }

  pushValue(sequence: number, value: unknown): void {
    this.sequences.push(sequence);
    this.values.push(value);
    this.encoded.push(undefined);
    this.offsets.push(0);
    this.lengths.push(0);
  }

  pushEncoded(sequence: number, buffer: Uint8Array, offset: number, length: number): void {
    this.sequences.push(sequence);
    this.values.push(undefined);
    this.encoded.push(buffer);
    this.offsets.push(offset);
    this.lengths.push(length);
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
    const buffer = items.encoded[index];
    if (buffer !== undefined) {
      items.values[index] = this.#decode!(buffer, items.offsets[index], items.lengths[index]);
      items.encoded[index] = undefined;
    }
    return items.values[index] as T;
  }

  getSequence(index: number): number | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#items.size) return undefined;
    return this.#items.sequences[index];
  }

  getNextSequenceToReadFrom(): number {
    return this.#nextSequence;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#items.size; i++) yield this.get(i) as T;
  }
}
