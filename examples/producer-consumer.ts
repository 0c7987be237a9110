/**
 * An event stream: a consumer waits with readMany(cursor, 1, n), which resolves as soon as
 * at least one new event is added, while a producer publishes events in bursts. The
 * consumer stops at the producer's "end" event; the AbortSignal bounds each wait.
 * Run: node --import tsx examples/producer-consumer.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { createClient, type Ringbuffer } from '../src/index';

interface StreamEvent {
  type: 'click' | 'view' | 'end';
  user: string;
}

async function produce(ring: Ringbuffer<StreamEvent>): Promise<void> {
  const bursts: StreamEvent[][] = [
    [{ type: 'view', user: 'ana' }],
    [{ type: 'click', user: 'ana' }, { type: 'view', user: 'bo' }],
    [{ type: 'click', user: 'bo' }, { type: 'click', user: 'cy' }, { type: 'view', user: 'cy' }],
  ];
  for (const burst of bursts) {
    await sleep(20);
    await ring.addAll(burst);
  }
  await ring.add({ type: 'end', user: '' });
}

async function consume(ring: Ringbuffer<StreamEvent>): Promise<number> {
  let cursor = (await ring.tailSequence()) + 1;
  let clicks = 0;
  for (;;) {
    const result = await ring.readMany(cursor, 1, 10, null, { signal: AbortSignal.timeout(5000) });
    console.log(`consumer woke up with ${result.size()} event(s) from sequence ${cursor}`);
    for (const event of result) {
      if (event.type === 'end') return clicks;
      if (event.type === 'click') clicks++;
    }
    cursor = result.getNextSequenceToReadFrom();
  }
}

async function main(): Promise<void> {
  const client = await createClient();
  try {
    const ring = await client.getRingbuffer<StreamEvent>('producer-consumer', { capacity: 64 });
    // Start the consumer first: its first read waits for the producer's first event.
    const [clicks] = await Promise.all([consume(ring), produce(ring)]);
    console.log(`stream ended after sequence ${await ring.tailSequence()}: ${clicks} clicks`);
  } finally {
    await client.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
