/**
 * Blocking consumer thread of the threads workload. It connects to the contender's ring,
 * reports `ready`, and reads items until it has the last one the producer added, sleeping
 * in a blocking wait whenever the ring is empty. It writes the latency of each item after
 * the warm-up (its consume time minus its add time in `stamps`) to `latencies` and reports
 * its tally when done.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { toucher, type Item, type Shape } from '../items';
import { FramedRing } from '../peers/ringbuf';
import { openRingcast } from '../subjects';
import { CONTROL_SENT, CONTROL_STOP, nowNs, Tally, type TallySummary } from './tally';

export interface ConsumerTask {
  /** ringcast-binary-blocking reads with the blocking view, ringbuf.js pops frames. */
  contender: 'ringcast-binary-blocking' | 'ringbuf.js';
  shape: Shape;
  /** ringbuf.js: pop every readable frame with one pop instead of one frame per pop. */
  popBatches: boolean;
  /** maxCount of ringcast's readMany. */
  readMax: number;
  /** Maximum single blocking wait, in ms, after which the consumer checks `control`. */
  waitMs: number;
  /** The consumer stops reading after this many ms even if items remain. */
  deadlineMs: number;
  /** Add time of item i in stamps[i], in ns. */
  stamps: Float64Array;
  /** Items at the start that warm up the threads; they are consumed but not measured. */
  warmupItems: number;
  /** Receives the latency of each measured item, in ns, in consume order. */
  latencies: Float64Array;
  /** Layout in ./tally: the producer's item count once known, and a stop flag. */
  control: Int32Array;
  /** [0]: frames the ringbuf.js producer pushed. */
  signal: Int32Array;
  ringName?: string;
  capacity?: number;
  ringbufStorage?: SharedArrayBuffer;
  maxItemBytes?: number;
}

export type ConsumerReport =
  | { type: 'ready' }
  | ({ type: 'done'; sink: number } & TallySummary)
  | { type: 'error'; message: string };

const task = workerData as ConsumerTask;
const port = parentPort!;
/** Bound on read attempts. Each returns items or waits up to waitMs, so the deadline ends first. */
const MAX_ATTEMPTS = 1e9;

/** Tells whether the consumer is done: it has the last item, or the stop flag is set. */
function finished(tally: Tally, deadlineNs: number): boolean {
  if (Atomics.load(task.control, CONTROL_STOP) === 1 || nowNs() > deadlineNs) return true;
  return tally.hasLast(Atomics.load(task.control, CONTROL_SENT));
}

async function consumeRingcast(tally: Tally): Promise<void> {
  const { client, ring } = await openRingcast<Item>('BINARY', task.capacity!, task.ringName);
  try {
    const view = ring.blocking();
    port.postMessage({ type: 'ready' } satisfies ConsumerReport);
    const deadlineNs = nowNs() + task.deadlineMs * 1e6;
    let cursor = 0;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const result = view.readMany(cursor, 1, task.readMax, null, task.waitMs);
      for (let k = 0; k < result.size(); k++) tally.record(result.getSequence(k)!, result.get(k));
      cursor = result.getNextSequenceToReadFrom();
      if (finished(tally, deadlineNs)) return;
    }
  } finally {
    await client.shutdown();
  }
}

function consumeRingbuf(tally: Tally): void {
  const maxItemBytes = task.maxItemBytes!;
  const ring = new FramedRing(task.ringbufStorage!, task.shape, maxItemBytes, maxItemBytes);
  port.postMessage({ type: 'ready' } satisfies ConsumerReport);
  const deadlineNs = nowNs() + task.deadlineMs * 1e6;
  let popped = 0;
  const onItem = (item: Item) => tally.record(popped++, item);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (task.popBatches) {
      if (ring.popBatch(onItem) > 0) continue;
    } else {
      const item = ring.pop();
      if (item !== undefined) {
        onItem(item);
        continue;
      }
    }
    if (finished(tally, deadlineNs)) return;
    // signal[0] counts pushed frames: sleep until it moves past what was popped.
    Atomics.wait(task.signal, 0, popped, task.waitMs);
  }
}

async function consume(): Promise<Tally> {
  const tally = new Tally(task.stamps, task.latencies, toucher(task.shape), task.warmupItems);
  if (task.contender === 'ringcast-binary-blocking') await consumeRingcast(tally);
  else consumeRingbuf(tally);
  return tally;
}

consume().then(
  (tally) =>
    port.postMessage({
      type: 'done',
      sink: tally.sink,
      ...tally.summary(),
    } satisfies ConsumerReport),
  (error: unknown) =>
    port.postMessage({ type: 'error', message: String(error) } satisfies ConsumerReport),
);
