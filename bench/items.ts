/**
 * The item shapes of the benchmark: 100-byte strings, small objects and 1 KiB Buffers.
 * Pools are built from a fixed seed, so every run and every contender stores the same bytes.
 */
export const SHAPES = ['string', 'object', 'buffer'] as const;
export type Shape = (typeof SHAPES)[number];

/** A small object as an event log would carry it. */
export interface SmallObject {
  id: number;
  timestamp: number;
  data: string;
}

export type Item = string | SmallObject | Buffer;

export const SHAPE_LABELS: Record<Shape, string> = {
  string: '100-byte string',
  object: 'small object {id, timestamp, data}',
  buffer: '1 KiB Buffer',
};

/** Items in a pool; a power of two, so `index & POOL_MASK` cycles through it. */
export const POOL_SIZE = 1024;
export const POOL_MASK = POOL_SIZE - 1;

const STRING_BYTES = 100;
const BUFFER_BYTES = 1024;
const TIMESTAMP_BASE = 1_700_000_000_000;

/** Returns a generator of 32-bit values (mulberry32) seeded with `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Returns a 100-character ASCII string (100 bytes in UTF-8) unique to `index`. */
export function makeString(index: number): string {
  const head = `item-${index.toString(36).padStart(8, '0')}-`;
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3);
  return head + filler.slice(0, STRING_BYTES - head.length);
}

/** Returns the small object number `index`; its `data` is a 24-character string. */
export function makeObject(index: number): SmallObject {
  return {
    id: index,
    timestamp: TIMESTAMP_BASE + index * 7,
    data: `payload-${index.toString(16).padStart(16, '0')}`,
  };
}

/** Returns a 1 KiB Buffer of pseudo-random bytes, different for each `index`. */
export function makeBuffer(index: number): Buffer {
  const next = seededRandom(0x5eed + index);
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  for (let offset = 0; offset < BUFFER_BYTES; offset += 4) buffer.writeUInt32LE(next(), offset);
  return buffer;
}

/** Returns item number `index` of `shape`. */
export function makeItem(shape: Shape, index: number): Item {
  if (shape === 'string') return makeString(index);
  if (shape === 'object') return makeObject(index);
  return makeBuffer(index);
}

/** Returns the POOL_SIZE items of `shape` that the add and read workloads cycle through. */
export function makePool(shape: Shape): Item[] {
  return Array.from({ length: POOL_SIZE }, (_, index) => makeItem(shape, index));
}

/**
 * Returns a function that reads one field of an item. Reads sum its results, so the JIT
 * cannot drop an item load whose value is never used.
 */
export function toucher(shape: Shape): (item: unknown) => number {
  if (shape === 'string') return (item) => (item as string).length;
  if (shape === 'object') return (item) => (item as SmallObject).id;
  return (item) => (item as Buffer)[0];
}

/** Tells whether `value` names a shape. */
export function isShape(value: string): value is Shape {
  return (SHAPES as readonly string[]).includes(value);
}
