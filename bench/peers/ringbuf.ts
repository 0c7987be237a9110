/**
 * ringbuf.js, a single-producer single-consumer ring of numbers in a SharedArrayBuffer,
 * carrying items as length-prefixed frames of bytes: [uint32 length][payload].
 */
import { RingBuffer } from 'ringbuf.js';

import type { Item, Shape } from '../items';
import { decodeItem, encodeItem } from './bytes';

const HEADER_BYTES = 4;
/** Bytes `popBatch` takes from the ring with one pop, at most. */
const BATCH_POP_BYTES = 64 * 1024;

export class FramedRing {
  private readonly ring: RingBuffer;
  private readonly writeScratch: Uint8Array;
  private readonly writeView: DataView;
  private readonly readScratch: Uint8Array;
  private readonly header = new Uint8Array(HEADER_BYTES);
  private readonly headerView = new DataView(this.header.buffer);
  private encodedBytes = 0;
  private batchScratch: Uint8Array | undefined;
  private batchView: DataView | undefined;
  /** Bytes at the start of batchScratch that belong to a frame cut by the last pop. */
  private carriedBytes = 0;

  /** Allocates the shared storage of a ring of `capacityBytes` bytes. */
  static allocate(capacityBytes: number): SharedArrayBuffer {
    return RingBuffer.getStorageForCapacity(capacityBytes, Uint8Array);
  }

  /** Allocates the shared storage of a ring with room for `count` frames of `itemBytes` each. */
  static allocateFrames(count: number, itemBytes: number): SharedArrayBuffer {
    return FramedRing.allocate(count * (HEADER_BYTES + itemBytes));
  }

  /**
   * Opens the ring in `storage`. `maxPushBytes` bounds the frames of one push, and
   * `maxItemBytes` one item's payload.
   */
  constructor(
    storage: SharedArrayBuffer,
    private readonly shape: Shape,
    maxPushBytes: number,
    maxItemBytes: number,
  ) {
    this.ring = new RingBuffer(storage, Uint8Array);
    this.writeScratch = new Uint8Array(maxPushBytes);
    this.writeView = new DataView(this.writeScratch.buffer);
    this.readScratch = new Uint8Array(maxItemBytes);
  }

  /** Encodes `items` as frames for the next `pushEncoded`. */
  encode(items: readonly Item[]): void {
    let length = 0;
    for (let i = 0; i < items.length; i++) {
      const bytes = encodeItem(this.shape, items[i]);
      this.writeView.setUint32(length, bytes.byteLength, true);
      this.writeScratch.set(bytes, length + HEADER_BYTES);
      length += HEADER_BYTES + bytes.byteLength;
    }
    this.encodedBytes = length;
  }

  /** Pushes the encoded frames with one write; false when they do not fit. */
  pushEncoded(): boolean {
    if (this.ring.availableWrite() < this.encodedBytes) return false;
    this.ring.push(this.writeScratch, this.encodedBytes);
    return true;
  }

  /**
   * Pops one frame and returns its decoded item, or undefined when the ring is empty.
   * A frame is pushed whole, so its header and payload become readable together.
   */
  pop(): Item | undefined {
    const length = this.popHeader();
    if (length < 0) return undefined;
    const payload = this.readScratch.subarray(0, length);
    this.ring.pop(payload, length);
    return decodeItem(this.shape, payload);
  }

  /**
   * Pops every readable byte, up to 64 KiB, with one pop and passes the items of the whole
   * frames to `onItem`, in order. When the 64 KiB limit cuts a frame, its start is kept for
   * the next call. Returns the number of items passed.
   */
  popBatch(onItem: (item: Item) => void): number {
    if (this.batchScratch === undefined) {
      this.batchScratch = new Uint8Array(Math.max(BATCH_POP_BYTES, 2 * this.readScratch.length));
      this.batchView = new DataView(this.batchScratch.buffer);
    }
    const scratch = this.batchScratch;
    const view = this.batchView!;
    const room = scratch.length - this.carriedBytes;
    const end = this.carriedBytes + this.ring.pop(scratch, room, this.carriedBytes);
    let offset = 0;
    let items = 0;
    while (end - offset >= HEADER_BYTES) {
      const frameEnd = offset + HEADER_BYTES + view.getUint32(offset, true);
      if (frameEnd > end) break;
      onItem(decodeItem(this.shape, scratch.subarray(offset + HEADER_BYTES, frameEnd)));
      offset = frameEnd;
      items++;
    }
    scratch.copyWithin(0, offset, end);
    this.carriedBytes = end - offset;
    return items;
  }

  /** Pops one frame without decoding it; false when the ring is empty. */
  discard(): boolean {
    const length = this.popHeader();
    if (length < 0) return false;
    this.ring.pop(this.readScratch, length);
    return true;
  }

  private popHeader(): number {
    if (this.ring.availableRead() < HEADER_BYTES) return -1;
    this.ring.pop(this.header, HEADER_BYTES);
    return this.headerView.getUint32(0, true);
  }
}
