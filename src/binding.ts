/**
 * Loads the native addon (a prebuild from prebuilds/ or the local build in build/) and
 * types the functions it exports. Ring functions take the ring's handle first.
 */
import path from 'node:path';
import { types } from 'node:util';

/** Opaque handle to a native ring; keeps the ring alive while referenced. */
export interface RingHandle {
  readonly __ringHandle: never;
}

/** Result of `ringOpen`: the handle and the configuration the registry holds for the name. */
export interface RingOpenResult {
  handle: RingHandle;
  /** True when this call created the ring; false when it already existed. */
  created: boolean;
  capacity: number;
  timeToLiveSeconds: number;
  /** 0 = BINARY, 1 = OBJECT. */
  format: number;
  /** Node.js threadId of the thread that created an OBJECT ring; -1 for BINARY. */
  ownerThreadId: number;
  backupCount: number;
  asyncBackupCount: number;
}

/** Status codes written by `ringReadOne` into its status array. */
export const ReadStatus = { OK: 0, STALE: 1, NOT_YET: 2 } as const;

/** Reasons passed to a subscription callback. */
export const WakeReason = { PUBLISHED: 0, DESTROYED: 1 } as const;

/** Result of the add functions for a destroyed ring, to which they add nothing. */
export const ADD_DESTROYED = -2;

export interface NativeBinding {
  /** Encodes a value into a new Buffer; `rootPath` names it in errors. */
  encode(value: unknown, rootPath: string): Buffer;
  /** Decodes the value stored in buffer[offset, offset + length). */
  decode(buffer: Uint8Array, offset: number, length: number): unknown;
  /** Gives the codec util.types.isProxy, which Node-API lacks, so it can reject Proxies. */
  setProxyCheck(isProxy: (value: unknown) => boolean): void;

  /**
   * Returns the process-wide ring named `name`, creating it with the given configuration
   * when the name is free. An OBJECT ring holds no items natively, only its registration:
   * ringState reports it as empty, item functions on it throw a TypeError, and it is
   * destroyed when the thread that created it exits. The backup counts (default 1 and 0)
   * are stored only to detect conflicting configurations.
   */
  ringOpen(
    name: string,
    capacity: number,
    timeToLiveSeconds: number,
    format: number,
    threadId: number,
    backupCount?: number,
    asyncBackupCount?: number,
  ): RingOpenResult;
  /**
   * Removes the ring from the registry (if it is still the one registered under its name),
   * marks it destroyed and wakes every subscription with WakeReason.DESTROYED. Handles of
   * a destroyed ring keep working on the old ring, and ringState reports it destroyed.
   */
  ringDestroy(handle: RingHandle): void;
  /** Writes [headSequence, tailSequence, destroyed ? 1 : 0] with TTL applied now. */
  ringState(handle: RingHandle, out: Float64Array): void;
  /**
   * Encodes and adds one item. Returns its sequence, -1 when FAIL found no room, or
   * ADD_DESTROYED (storing nothing) when the ring was destroyed; so do the other adds.
   */
  ringAdd(handle: RingHandle, item: unknown, failOnOverflow: boolean): number;
  /** Encodes every item first (nothing is stored if one fails), then adds them atomically. */
  ringAddAll(handle: RingHandle, items: readonly unknown[], failOnOverflow: boolean): number;
  /**
   * Checks that bytes[offset, offset + length) is one valid encoding (else an Error with
   * code RINGCAST_CORRUPT_DATA) and adds it as one item, as ringAdd does.
   */
  ringAddEncoded(
    handle: RingHandle,
    bytes: Uint8Array,
    offset: number,
    length: number,
    failOnOverflow: boolean,
  ): number;
  /**
   * Adds `count` encoded items atomically, as ringAddAll does: item i is
   * bytes[ends[i - 1], ends[i]), item 0 starting at 0. Every item is checked first, and
   * nothing is stored when one is not a valid encoding.
   */
  ringAddAllEncoded(
    handle: RingHandle,
    bytes: Uint8Array,
    ends: Uint32Array,
    count: number,
    failOnOverflow: boolean,
  ): number;
  /** Reads and decodes one item; status[0] receives a ReadStatus. */
  ringReadOne(handle: RingHandle, sequence: number, status: Int32Array): unknown;
  /**
   * Returns one frame with up to maxCount items from max(start, head), at least one item
   * when one exists, and no more payload than maxBytes beyond the first item. Layout
   * (little-endian): [int64 startSequence][uint32 count][uint32 0], then per item
   * [int64 sequence][uint32 length][uint32 0] and the payload padded to 8 bytes.
   */
  ringReadMany(handle: RingHandle, start: number, maxCount: number, maxBytes: number): Buffer;
  /**
   * Calls `callback(reason)` on this thread's event loop after adds from any thread, and
   * once with WakeReason.DESTROYED. Calls are coalesced: one per wake-up, not per add.
   * Keeps the event loop alive until `ringUnsubscribe`. Returns the subscription id.
   */
  ringSubscribe(handle: RingHandle, callback: (reason: number) => void): number;
  /** Ends a subscription; a no-op for an unknown id. */
  ringUnsubscribe(handle: RingHandle, subscriptionId: number): void;
  /**
   * Returns the ring's publish counter, which changes after every add that stored items and
   * on destroy. BINARY rings only.
   */
  ringPublishCount(handle: RingHandle): number;
  /**
   * Blocks this thread, event loop included, until the publish counter differs from `seen`
   * or `timeoutMs` (an integer 0 .. 2^31-1) elapses, and returns the counter. An add from
   * another thread or a destroy ends the wait. worker.terminate() cannot interrupt it, so
   * callers wait in short slices. BINARY rings only.
   */
  ringWaitForPublish(handle: RingHandle, seen: number, timeoutMs: number): number;
  /** Returns how many threads are blocked in ringWaitForPublish on the ring right now. */
  ringBlockedCount(handle: RingHandle): number;
}

// The compiled file lives in dist/, so the package root is one level up.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => unknown;

export const binding = load(path.join(__dirname, '..')) as NativeBinding;
binding.setProxyCheck(types.isProxy);
