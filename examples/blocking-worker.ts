/**
 * A consumer in a worker thread reads through the blocking view: each readMany sleeps in
 * the native core until items arrive, with no Promise per call. The main thread adds
 * sensor readings in batches and then an end marker. The consumer stops at the marker, or
 * when a wait of 5 s brings nothing, so its loop always ends.
 * Run: node --import tsx examples/blocking-worker.ts
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

import { createClient } from '../src/index';

interface Reading {
  sensor: string;
  value: number;
  end?: true;
}

interface Summary {
  received: number;
  lost: number;
  sum: number;
}

const RING = 'sensor-readings';
const CONFIG = { capacity: 2048 };
const READINGS = 1000;
const BATCH = 100;
const WAIT_MS = 5000;

/** Runs in the worker: reads until the end marker and reports what it received. */
async function consume(): Promise<void> {
  const client = await createClient();
  const readings = (await client.getRingbuffer<Reading>(RING, CONFIG)).blocking();
  parentPort!.postMessage('ready');

  const summary: Summary = { received: 0, lost: 0, sum: 0 };
  let sequence = 0;
  let ended = false;
  // Bounded: every pass reads at least one item or ends on a timeout.
  for (let pass = 0; pass <= READINGS && !ended; pass++) {
    const batch = readings.readMany(sequence, 1, BATCH, null, WAIT_MS);
    if (batch.size() === 0) break;
    summary.lost += batch.getNextSequenceToReadFrom() - batch.getReadCount() - sequence;
    for (const reading of batch) {
      if (reading.end) {
        ended = true;
        break;
      }
      summary.received++;
      summary.sum += reading.value;
    }
    sequence = batch.getNextSequenceToReadFrom();
  }
  parentPort!.postMessage(summary);
  await client.shutdown();
}

/** Runs on the main thread: starts the consumer, adds the readings, prints its summary. */
async function produce(): Promise<void> {
  const client = await createClient();
  const readings = await client.getRingbuffer<Reading>(RING, CONFIG);

  // Under tsx a worker must register tsx itself; compiled JavaScript would pass
  // __filename to new Worker directly.
  const bootstrap =
    `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();` +
    `require(${JSON.stringify(__filename)});`;
  const worker = new Worker(bootstrap, { eval: true });
  const messages: unknown[] = [];
  let arrived: () => void = () => {};
  worker.on('message', (message: unknown) => {
    messages.push(message);
    arrived();
  });
  const next = async (): Promise<unknown> => {
    while (messages.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
    return messages.shift();
  };

  await next(); // 'ready'
  let expectedSum = 0;
  for (let start = 0; start < READINGS; start += BATCH) {
    const batch: Reading[] = [];
    for (let i = start; i < start + BATCH; i++) {
      batch.push({ sensor: `s${i % 4}`, value: i % 50 });
      expectedSum += i % 50;
    }
    await readings.addAll(batch);
  }
  await readings.add({ sensor: '', value: 0, end: true });

  const summary = (await next()) as Summary;
  console.log(
    `worker received ${summary.received} readings, lost ${summary.lost}, ` +
      `sum ${summary.sum} (expected ${expectedSum})`,
  );
  await worker.terminate();
  await client.shutdown();
}

(isMainThread ? produce() : consume()).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
