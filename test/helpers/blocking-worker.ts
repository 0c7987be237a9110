/**
 * Worker thread body for blocking.test.ts and threads.test.ts. `workerData` is a list of
 * steps that the worker runs in order on one ring through its own client, reporting the
 * outcome of each step to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { createClient } from '../../src/index';
import type { RingbufferConfig } from '../../src/index';
import { untilBlockedSync } from './threads';

/** One step of a worker's script. `blocking` steps use the ring's blocking view. */
export type WorkerStep =
  | { kind: 'readOne'; sequence: number; timeoutMs?: number; blocking: boolean }
  | { kind: 'readMany'; start: number; min: number; max: number; timeoutMs?: number }
  | { kind: 'addAll'; items: unknown[]; blocking: boolean }
  /** Waits until `count` threads are blocked on the ring, then reports `blocked`. */
  | { kind: 'untilBlocked'; count: number }
  /** Waits until the main thread posts a message, then reports `resumed`. */
  | { kind: 'pause' }
  | { kind: 'state' }
  /**
   * Adds batches with the blocking view (or reads them, following the ring with blocking
   * readMany) for `seconds`, reporting `looping` after the first round, so that a
   * terminate() lands in the middle of native calls.
   */
  | { kind: 'addLoop'; seconds: number }
  | { kind: 'readLoop'; seconds: number }
  | { kind: 'destroy' }
  | { kind: 'shutdown' };

export interface WorkerScript {
  name: string;
  /** Passed to getRingbuffer; undefined opens an existing ring with its own configuration. */
  config?: RingbufferConfig;
  steps: WorkerStep[];
}

/** A report from a worker: one per step, `ready` once the ring is open. */
export type WorkerReport =
  | { kind: 'ready' }
  | { kind: 'read'; value: unknown }
  | { kind: 'readMany'; items: unknown[]; sequences: number[]; next: number; readCount: number }
  | { kind: 'added'; sequence: number }
  | { kind: 'blocked' }
  | { kind: 'resumed' }
  | { kind: 'looping' }
  | { kind: 'state'; size: number; head: number; tail: number; capacity: number }
  | { kind: 'done' }
  | { kind: 'failed'; name: string; code: unknown; message: string };

function report(message: WorkerReport): void {
  parentPort!.postMessage(message);
}

function nextMessage(): Promise<void> {
  return new Promise((resolve) => parentPort!.once('message', () => resolve()));
}

async function run({ name, config, steps }: WorkerScript): Promise<void> {
  const client = await createClient();
  const ring = await client.getRingbuffer(name, config);
  const view = ring.blocking();
  report({ kind: 'ready' });
  for (const step of steps) {
    try {
      switch (step.kind) {
        case 'readOne': {
          const value = step.blocking
            ? view.readOne(step.sequence, step.timeoutMs)
            : await ring.readOne(step.sequence);
          report({ kind: 'read', value });
          break;
        }
        case 'readMany': {
          const result = view.readMany(step.start, step.min, step.max, null, step.timeoutMs);
          report({
            kind: 'readMany',
            items: [...result],
            sequences: [...Array(result.size()).keys()].map((i) => result.getSequence(i)!),
            next: result.getNextSequenceToReadFrom(),
            readCount: result.getReadCount(),
          });
          break;
        }
        case 'addAll': {
          const sequence = step.blocking ? view.addAll(step.items) : await ring.addAll(step.items);
          report({ kind: 'added', sequence });
          break;
        }
        case 'untilBlocked':
          untilBlockedSync(name, step.count);
          report({ kind: 'blocked' });
          break;
        case 'pause':
          await nextMessage();
          report({ kind: 'resumed' });
          break;
        case 'state':
          report({
            kind: 'state',
            size: view.size(),
            head: view.headSequence(),
            tail: view.tailSequence(),
            capacity: view.capacity(),
          });
          break;
        case 'addLoop':
        case 'readLoop': {
          const end = Date.now() + step.seconds * 1000;
          let cursor = 0;
          for (let round = 0; round < 10_000_000 && Date.now() < end; round++) {
            if (step.kind === 'addLoop') {
              view.addAll(['a', { b: [1, 2, 3] }, 'c'.repeat(100)]);
            } else {
              cursor = view.readMany(cursor, 1, 16, null, 50).getNextSequenceToReadFrom();
            }
            if (round === 0) report({ kind: 'looping' });
          }
          report({ kind: 'done' });
          break;
        }
        case 'destroy':
          await ring.destroy();
          report({ kind: 'done' });
          break;
        case 'shutdown':
          await client.shutdown();
          report({ kind: 'done' });
          break;
      }
    } catch (error) {
      const err = error as Error & { code?: unknown };
      report({ kind: 'failed', name: err.name, code: err.code, message: err.message });
    }
  }
  await client.shutdown();
}

void run(workerData as WorkerScript);
