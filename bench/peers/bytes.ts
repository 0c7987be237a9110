/**
 * Item encoding for the peers that store bytes (ringbuf.js, Redis, NATS): strings as
 * UTF-8, Buffers as they are, and small objects with msgpackr, the fastest JavaScript
 * codec in the codec workload.
 */
import { pack, unpack } from 'msgpackr';

import type { Item, Shape } from '../items';

/** Returns the bytes a byte-storing peer keeps for `item`. */
export function encodeItem(shape: Shape, item: Item): Buffer {
  if (shape === 'string') return Buffer.from(item as string, 'utf8');
  if (shape === 'object') return pack(item);
  return item as Buffer;
}

/** Returns the item stored as `bytes`; Buffers are copied, as ringcast's reads copy. */
export function decodeItem(shape: Shape, bytes: Uint8Array): Item {
  if (shape === 'string') {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
  if (shape === 'object') return unpack(bytes) as Item;
  return Buffer.from(bytes);
}
