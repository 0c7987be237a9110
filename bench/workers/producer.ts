/**
 * Producer thread of the producer -> consumer workload. It connects to the contender's
 * ring, reports `ready`, and on `start` adds item 0 .. count - 1, writing each item's
 * add time (process.hrtime in ns, the same clock in every thread) to `stamps` first.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';

import type { ServerAddress } from '../harness';
import { makePool, POOL_MASK, type Item, type Shape } from '../items';
import { NatsStreamPeer } from '../peers/nats';
import { RedisStreamPeer } from '../peers/redis';
import { FramedRing } from '../peers/ringbuf';
import { openRingcast } from '../subjects';

export interface ProducerTask {
  contender: 'ringcast-binary' | 'ringbuf.js' | 'postMessage' | 'redis' | 'nats';
  shape: Shape;
  count: number;
  /** Time between two adds in ns; 0 adds as fast as possible. */
  intervalNs: number;
  /** The producer stops adding after this many ms even if items remain. */
  deadlineMs: number;
  /** Add time of item i in stamps[i], in ns. */
  stamps: Float64Array;
  /** [0]: frames pushed, for a ringbuf.js consumer to wait on. */
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
  close(): Promise<void>;
}

/** Returns the add function of the task's contender and its cleanup. */
async function connect(): Promise<ProducerRing> {
  const { contender, shape } = task;
  if (contender === 'ringcast-binary') {
    const { client, ring } = await openRingcast<Item>('BINARY', task.capacity!, task.ringName);
    return { add: (item) => ring.add(item), close: () => client.shutdown() };
  }
  if (contender === 'ringbuf.js') {
    const maxItemBytes = task.maxItemBytes!;
    const ring = new FramedRing(task.ringbufStorage!, shape, maxItemBytes, maxItemBytes);
    const single: Item[] = [];
    return {
      add(item) {
        single[0] = item;
        ring.encode(single);
        // The ring never overwrites: a full ring makes the producer wait for the consumer.
        for (let attempt = 0; !ring.pushEncoded(); attempt++) {
          if (attempt > 10_000_000) throw new Error('the consumer stopped reading');
          Atomics.wait(sleepCell, 0, 0, 0.02);
        }
        Atomics.add(task.signal, 0, 1);
        Atomics.notify(task.signal, 0);
      },
      close: async () => {},
    };
  }
  if (contender === 'postMessage') {
    const itemPort = task.itemPort!;
    return { add: (item) => itemPort.postMessage(item), close: async () => itemPort.close() };
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

produce().then(
  (sent) => port.postMessage({ type: 'done', sent } satisfies ProducerReport),
  (error: unknown) =>
    port.postMessage({ type: 'error', message: String(error) } satisfies ProducerReport),
);
