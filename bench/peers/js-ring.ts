/**
 * The baseline a JavaScript programmer writes by hand: a preallocated array used as a
 * ring, addressed by sequence like ringcast (head is the oldest item, tail the newest).
 */
export class ArrayRing<T> {
  readonly capacity: number;
  private readonly items: (T | undefined)[];
  private tail = -1;

  constructor(capacity: number) {
    this.capacity = capacity;
    // fill() makes the array packed, so element access stays on V8's fast path.
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }

  /** Stores `item`, overwriting the oldest one when full, and returns its sequence. */
  add(item: T): number {
    const sequence = ++this.tail;
    this.items[sequence % this.capacity] = item;
    return sequence;
  }

  /** Sequence of the oldest retained item. */
  headSequence(): number {
    return Math.max(0, this.tail - this.capacity + 1);
  }

  /** Sequence of the newest item; -1 while empty. */
  tailSequence(): number {
    return this.tail;
  }

  /** Returns the item at `sequence`, or undefined when it is not retained. */
  get(sequence: number): T | undefined {
    if (sequence > this.tail || sequence < this.headSequence()) return undefined;
    return this.items[sequence % this.capacity];
  }
}
