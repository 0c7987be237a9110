/**
 * Worker thread body for batch-atomicity.test.ts. Opens the ring named in `workerData`,
 * reports `ready`, blocks until `startFlag[0]` becomes 1, then adds `batches` batches of
 * `batchSize` items with addAll and reports the last sequence.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { createClient } from '../../src/index';
import { batchItem } from './batch-items';
import type { BatchTask } from './batch-items';

async function run(task: BatchTask): Promise<void> {
  const client = await createClient();
  try {
    const ring = await client.getRingbuffer<string>(task.name, { capacity: task.capacity });
    parentPort?.postMessage({ kind: 'ready' });
    // Blocking is fine in a worker. The 10 s timeout bounds the wait for the start flag.
    Atomics.wait(task.startFlag, 0, 0, 10_000);
    let lastSequence = -1;
    for (let batch = 0; batch < task.batches; batch++) {
      const first = task.capacity + batch * task.batchSize;
      const items = Array.from({ length: task.batchSize }, (_, i) => batchItem(task, first + i));
      lastSequence = await ring.addAll(items);
    }
    parentPort?.postMessage({ kind: 'added', lastSequence });
  } finally {
    await client.shutdown();
  }
}

void run(workerData as BatchTask);
