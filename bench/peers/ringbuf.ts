/**
 * ringbuf.js, a single-producer single-consumer ring of numbers in a SharedArrayBuffer,
 * carrying items as length-prefixed frames of bytes: [uint32 length][payload].
 */
import { RingBuffer } from 'ringbuf.js';

import type { Item, Shape } from '../items';
import { decodeItem, encodeItem } from './bytes';

const HEADER_BYTES = 4;

export class FramedRing {
  private readonly ring: RingBuffer;
  private readonly writeScratch: Uint8Array;
  private readonly writeView: DataView;
  private readonly readScratch: Uint8Array;
  private readonly header = new Uint8Array(HEADER_BYTES);
  private readonly headerView = new DataView(this.header.buffer);
  private encodedBytes = 0;

  /** Allocates the shared storage of a ring of `capacityBytes` bytes. */
  static allocate(capacityBytes: number): SharedArrayBuffer {
    return RingBuffer.getStorageForCapacity(capacityBytes, Uint8Array);
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
