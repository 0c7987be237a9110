/**
 * A sliding window of metrics: a ring of capacity 60 keeps the last 60 samples (one a
 * second), and an aggregate over the whole ring, read from head to tail, is the window.
 * Run: node --import tsx examples/time-series-window.ts
 */
import { createClient, type Ringbuffer } from '../src/index';

interface Sample {
  second: number;
  cpuPercent: number;
}

/** Reads every sample from head to tail, in pages, and aggregates them. */
async function aggregate(ring: Ringbuffer<Sample>) {
  const head = await ring.headSequence();
  const tail = await ring.tailSequence();
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let firstSecond = -1;
  let lastSecond = -1;
  for (let cursor = head; cursor <= tail; ) {
    const page = await ring.readMany(cursor, 0, 25);
    for (const sample of page) {
      if (firstSecond < 0) firstSecond = sample.second;
      lastSecond = sample.second;
      count++;
      sum += sample.cpuPercent;
      min = Math.min(min, sample.cpuPercent);
      max = Math.max(max, sample.cpuPercent);
    }
    cursor = page.getNextSequenceToReadFrom();
  }
  return { count, mean: sum / count, min, max, firstSecond, lastSecond };
}

async function main(): Promise<void> {
  const client = await createClient();
  try {
    const ring = await client.getRingbuffer<Sample>('cpu-window', { capacity: 60 });
    // 150 seconds of a made-up load curve; only the last 60 samples stay in the ring.
    for (let second = 0; second < 150; second++) {
      const cpuPercent = Math.round(50 + 40 * Math.sin(second / 15));
      await ring.add({ second, cpuPercent });
    }

    const window = await aggregate(ring);
    const { firstSecond, lastSecond, count } = window;
    console.log(`window covers seconds ${firstSecond}..${lastSecond} (${count} samples)`);
    console.log(`cpu min ${window.min}%, mean ${window.mean.toFixed(1)}%, max ${window.max}%`);
  } finally {
    await client.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
