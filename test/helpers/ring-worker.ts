/**
 * Worker thread body for workers.test.ts. `workerData` names a task, a ring and its config.
 * The worker uses its own client and reports each step to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { createClient, WrongThreadError } from '../../src/index';
import type { RingbufferConfig } from '../../src/index';

/** A task the main thread gives a worker. */
export type WorkerTask =
  | { kind: 'addAll'; name: string; config: RingbufferConfig; items: unknown[] }
  | { kind: 'readOne'; name: string; config: RingbufferConfig; sequence: number }
  | { kind: 'waitForever'; name: string; config: RingbufferConfig }
  | { kind: 'open'; name: string; config: RingbufferConfig }
  /**
   * Reports `ready`, blocks until `startFlag[0]` becomes 1, then adds `batches` batches of
   * `batchSize` strings `${prefix}:${n}` with addAll.
   */
  | {
      kind: 'addBatches';
      name: string;
      config: RingbufferConfig;
      prefix: string;
      batches: number;
      batchSize: number;
      startFlag: Int32Array;
    };

/** A report from a worker. It sends `waiting` once its read has started. */
export type WorkerReport =
  | { kind: 'added'; lastSequence: number }
  | { kind: 'waiting' }
  | { kind: 'read'; value: unknown }
  | { kind: 'opened' }
  | { kind: 'ready' }
  | { kind: 'rejected'; name: string; code: unknown; isWrongThread: boolean };

function report(message: WorkerReport): void {
  parentPort?.postMessage(message);
}

async function run(task: WorkerTask): Promise<void> {
  const client = await createClient();
  try {
    const ring = await client.getRingbuffer(task.name, task.config);
    switch (task.kind) {
      case 'addAll':
        report({ kind: 'added', lastSequence: await ring.addAll(task.items) });
        break;
      case 'readOne': {
        const read = ring.readOne(task.sequence);
        report({ kind: 'waiting' });
        report({ kind: 'read', value: await read });
        break;
      }
      case 'waitForever': {
        const read = ring.readOne((await ring.tailSequence()) + 1);
        report({ kind: 'waiting' });
        await read;
        break;
      }
      case 'open':
        report({ kind: 'opened' });
        break;
      case 'addBatches': {
        report({ kind: 'ready' });
        // Blocking is fine in a worker. The 10 s timeout bounds the wait for the start flag.
        Atomics.wait(task.startFlag, 0, 0, 10_000);
        let lastSequence = -1;
        for (let batch = 0; batch < task.batches; batch++) {
          const first = batch * task.batchSize;
          const items = Array.from(
            { length: task.batchSize },
            (_, i) => `${task.prefix}:${first + i}`,
          );
          lastSequence = await ring.addAll(items);
        }
        report({ kind: 'added', lastSequence });
        break;
      }
    }
  } catch (error) {
    const err = error as Error & { code?: unknown };
    report({
      kind: 'rejected',
      name: err.name,
      code: err.code,
      isWrongThread: err instanceof WrongThreadError,
    });
  } finally {
    await client.shutdown();
  }
}

void run(workerData as WorkerTask);
