/**
 * Worker threads for the blocking and thread tests: starting a TypeScript worker, waiting for
 * its messages, and observing threads blocked in a ring's native wait.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId, Worker } from 'node:worker_threads';

import { binding } from '../../src/binding';

/** Maximum time a helper waits for another thread before it fails. */
export const THREAD_WAIT_LIMIT_MS = 20_000;

/** Starts `script` (a .ts file) in a worker with `workerData`. */
export function startTsWorker(script: string, workerData: unknown): Worker {
  // Workers do not inherit `--import tsx` in Node.js 20, so the worker registers tsx itself.
  const bootstrap =
    `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();` +
    `require(${JSON.stringify(script)});`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** Messages of one worker, queued from its start so that none is missed. */
export class WorkerMessages {
  readonly #queue: unknown[] = [];
  #failure: Error | undefined;
  #wake: () => void = () => {};
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;

  constructor(readonly worker: Worker) {
    worker.on('message', (message: unknown) => {
      this.#queue.push(message);
      this.#wake();
    });
    worker.on('error', (error: Error) => {
      this.#failure = error;
      this.#wake();
    });
    this.exited = once(worker, 'exit').then(([code]) => {
      this.#failure ??= new Error(`worker exited with code ${String(code)}`);
      this.#wake();
      return code as number;
    });
  }

  /** Resolves with the next message; rejects when the worker fails or exits first. */
  async next(): Promise<unknown> {
    const deadline = Date.now() + THREAD_WAIT_LIMIT_MS;
    while (this.#queue.length === 0) {
      if (this.#failure !== undefined) throw this.#failure;
      if (Date.now() > deadline) throw new Error('no message from the worker in time');
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 100).unref();
      });
    }
    return this.#queue.shift();
  }
}

/**
 * Returns a function that reports how many threads are blocked in the native wait of the
 * ring named `name`, which must exist.
 */
export function blockedCounter(name: string): () => number {
  // An open of an existing name returns that ring whatever the configuration given.
  const { handle } = binding.ringOpen(name, 1, 0, 0, threadId);
  return () => binding.ringBlockedCount(handle);
}

/** Resolves once at least `count` threads are blocked on ring `name`. */
export async function untilBlocked(name: string, count = 1): Promise<void> {
  const blocked = blockedCounter(name);
  const deadline = Date.now() + THREAD_WAIT_LIMIT_MS;
  while (blocked() < count) {
    if (Date.now() > deadline) {
      throw new Error(`blocked threads on ${name}: ${blocked()}, expected at least ${count}`);
    }
    await sleep(2);
  }
}

/**
 * Blocks this thread until at least `count` threads are blocked on ring `name`, for a worker
 * that must act only once another thread waits. Throws after THREAD_WAIT_LIMIT_MS.
 */
export function untilBlockedSync(name: string, count = 1): void {
  const blocked = blockedCounter(name);
  const sleepCell = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + THREAD_WAIT_LIMIT_MS;
  while (blocked() < count) {
    if (Date.now() > deadline) {
      throw new Error(`blocked threads on ${name}: ${blocked()}, expected at least ${count}`);
    }
    Atomics.wait(sleepCell, 0, 0, 2);
  }
}
