/**
 * Producer thread of the producer -> consumer and threads workloads. It connects to the
 * contender's ring, reports `ready`, and on `start` adds item 0 .. count - 1, one at a time
 * or `batch` per call, writing each item's add time (process.hrtime in ns, the same clock in
 * every thread) to `stamps` first.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';

import type { ServerAddress } from '../harness';
import { makePool, POOL_MASK, type Item, type Shape } from '../items';
import { NatsStreamPeer } from '../peers/nats';
import { RedisStreamPeer } from '../peers/redis';
import { FramedRing } from '../peers/ringbuf';
import { openRingcast } from '../subjects';

export interface ProducerTask {
  /** ringcast-binary awaits `add`, and ringcast-binary-blocking calls the blocking view's. */
  contender:
    | 'ringcast-binary'
    | 'ringcast-binary-blocking'
    | 'ringbuf.js'
    | 'postMessage'
    | 'redis'
    | 'nats';
  shape: Shape;
  count: number;
  /**
   * Items per add call, 1 when absent. Above 1: `addAll` through the blocking view, one
   * ringbuf.js push of that many frames, or one postMessage of an array.
   */
  batch?: number;
  /** Time between two adds in ns; 0 adds as fast as possible. */
  intervalNs: number;
  /** The producer stops adding after this many ms even if items remain. */
  deadlineMs: number;
  /** Add time of item i in stamps[i], in ns. */
  stamps: Float64Array;
  /** [0]: frames pushed, for a ringbuf.js consumer to wait on. It is notified after each push. */
  signal: Int32Array;
  ringName?: string;
  capacity?: number;
  ringbufStorage?: SharedArrayBuffer;
  /** The port postMessage items go to, apart from the reports. */
  itemPort?: MessagePort;
  maxItemBytes?: number;
  server?: ServerAddress;
  redisKey?: string;
  natsStream?: string;
  natsSubject?: string;
}

export type ProducerReport =
  | { type: 'ready' }
  | { type: 'done'; sent: number }
  | { type: 'error'; message: string };

const task = workerData as ProducerTask;
const port = parentPort!;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Waits until `targetNs`: sleeps while more than 200 us remain, then spins. */
function waitUntil(targetNs: number): void {
  for (let step = 0; step < 1_000_000; step++) {
    const remainingNs = targetNs - nowNs();
    if (remainingNs <= 0) return;
    if (remainingNs > 200_000) Atomics.wait(sleepCell, 0, 0, (remainingNs - 100_000) / 1e6);
  }
}

interface ProducerRing {
  /** Adds one item; returns a Promise only when the add is asynchronous. */
  add(item: Item): Promise<unknown> | void;
  /** Adds the items with one call. It is absent where the workloads add one item at a time. */
  addAll?(items: Item[]): void;
  close(): Promise<void>;
}

/** Returns the add function of the task's contender and its cleanup. */
async function connect(): Promise<ProducerRing> {
  const { contender, shape } = task;
  if (contender === 'ringcast-binary') {
    const { client, ring } = await openRingcast<Item>('BINARY', task.capacity!, task.ringName);
    return { add: (item) => ring.add(item), close: () => client.shutdown() };
  }
  if (contender === 'ringcast-binary-blocking') {
    const { client, ring } = await openRingcast<Item>('BINARY', task.capacity!, task.ringName);
    const view = ring.blocking();
    return {
      add(item) {
        view.add(item);
      },
      addAll(items) {
        view.addAll(items);
      },
      close: () => client.shutdown(),
    };
  }
  if (contender === 'ringbuf.js') {
    const maxItemBytes = task.maxItemBytes!;
    const maxPushBytes = (task.batch ?? 1) * maxItemBytes;
    const ring = new FramedRing(task.ringbufStorage!, shape, maxPushBytes, maxItemBytes);
    const push = (items: Item[]) => {
      ring.encode(items);
      // The ring never overwrites: a full ring makes the producer wait for the consumer.
      for (let attempt = 0; !ring.pushEncoded(); attempt++) {
        if (attempt > 10_000_000) throw new Error('the consumer stopped reading');
        Atomics.wait(sleepCell, 0, 0, 0.02);
      }
      Atomics.add(task.signal, 0, items.length);
      Atomics.notify(task.signal, 0);
    };
    const single: Item[] = [];
    return {
      add(item) {
        single[0] = item;
        push(single);
      },
      addAll: push,
      close: async () => {},
    };
  }
  if (contender === 'postMessage') {
    const itemPort = task.itemPort!;
    return {
      add: (item) => itemPort.postMessage(item),
      addAll: (items) => itemPort.postMessage(items),
      close: async () => itemPort.close(),
    };
  }
  if (contender === 'redis') {
    const peer = await RedisStreamPeer.attach(task.server!, task.redisKey!, shape, task.capacity!);
    return { add: (item) => peer.add(item), close: () => peer.close(false) };
  }
  const { server, natsStream, natsSubject } = task;
  const peer = await NatsStreamPeer.attach(server!, natsStream!, natsSubject!, shape);
  return { add: (item) => peer.add(item), close: () => peer.close(false) };
}

async function produce(): Promise<number> {
  const pool = makePool(task.shape);
  const ring = await connect();
  port.postMessage({ type: 'ready' } satisfies ProducerReport);
  await new Promise((resolve) => port.once('message', resolve));

  const batch = task.batch ?? 1;
  if (batch > 1) return produceBatches(pool, ring, batch);

  const start = nowNs();
  const deadline = start + task.deadlineMs * 1e6;
  let sent = 0;
  for (; sent < task.count; sent++) {
    if (task.intervalNs > 0) waitUntil(start + sent * task.intervalNs);
    const now = nowNs();
    if (now > deadline) break;
    task.stamps[sent] = now;
    // Awaiting only real Promises spares the synchronous peers a microtask per item.
    const pending = ring.add(pool[sent & POOL_MASK]);
    if (pending !== undefined) await pending;
  }
  await ring.close();
  return sent;
}

/** Adds the items `batch` per call, as fast as it can. Every item of a call shares a stamp. */
async function produceBatches(pool: Item[], ring: ProducerRing, batch: number): Promise<number> {
  if (ring.addAll === undefined) throw new Error(`${task.contender} adds one item at a time`);
  if (task.intervalNs > 0) throw new Error('a paced producer adds one item at a time');
  const full: Item[] = new Array<Item>(batch);
  const deadline = nowNs() + task.deadlineMs * 1e6;
  let sent = 0;
  while (sent < task.count) {
    const now = nowNs();
    if (now > deadline) break;
    const size = Math.min(batch, task.count - sent);
    const items = size === batch ? full : new Array<Item>(size);
    for (let k = 0; k < size; k++) {
      items[k] = pool[(sent + k) & POOL_MASK];
      task.stamps[sent + k] = now;
    }
    // Every addAll here is synchronous and copies the items, so the array can be refilled.
    ring.addAll(items);
    sent += size;
  }
  await ring.close();
  return sent;
}

produce().then(
  (sent) => port.postMessage({ type: 'done', sent } satisfies ProducerReport),
  (error: unknown) =>
    port.postMessage({ type: 'error', message: String(error) } satisfies ProducerReport),
);
