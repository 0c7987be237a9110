/** Starting the consumer threads of `ringcast ingest` and collecting their results. */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { CliError, CliErrorCode } from './errors';
import type { ConsumerData, ConsumerResult } from './consumer';

/** How long a consumer that has posted its result may take to exit before it is terminated. */
const EXIT_GRACE_MS = 2_000;

/** The consumer threads of one run. */
export class ConsumerPool {
  readonly #workers: Worker[] = [];
  readonly #exited: Promise<void>[] = [];
  readonly #results: Promise<ConsumerResult[]>;
  #failure: CliError | undefined;
  #finished = false;

  constructor(dataFor: (index: number) => ConsumerData, count: number) {
    const results: (ConsumerResult | undefined)[] = new Array(count).fill(undefined);
    let remaining = count;

    this.#results = new Promise((resolve, reject) => {
      const fail = (index: number, reason: string): void => {
        const message = `consumer ${index} failed: ${reason}`;
        this.#failure ??= new CliError(CliErrorCode.CONSUMER_FAILED, message);
        reject(this.#failure);
      };

      for (let index = 0; index < count; index++) {
        const worker = startWorker(dataFor(index));
        this.#workers.push(worker);
        this.#exited.push(new Promise((resolveExit) => worker.once('exit', () => resolveExit())));

        worker.once('message', (result: ConsumerResult) => {
          results[index] = result;
          remaining--;
          if (remaining === 0) {
            this.#finished = true;
            resolve(results as ConsumerResult[]);
          }
        });
        worker.once('error', (error) => fail(index, error.message));
        worker.once('exit', (exitCode) => {
          if (results[index] === undefined) {
            fail(index, `the thread exited with code ${exitCode} before it read the last record`);
          }
        });
      }
    });
    // The producer learns of a failure through throwIfFailed() or results().
    this.#results.catch(() => {});
  }

  /** Throws the first consumer failure, if there was one. */
  throwIfFailed(): void {
    if (this.#failure !== undefined) {
      throw this.#failure;
    }
  }

  /** Resolves with every consumer's result, or rejects with the first failure. */
  results(): Promise<ConsumerResult[]> {
    return this.#results;
  }

  /**
   * Terminates every consumer thread still running. Consumers that posted their result get
   * a moment to exit by themselves first. After a failure they are terminated at once,
   * because they may wait on the ring forever.
   */
  async close(): Promise<void> {
    if (this.#finished) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, EXIT_GRACE_MS);
      });
      await Promise.race([Promise.all(this.#exited), grace]);
      clearTimeout(timer);
    }
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}

/**
 * Starts the consumer module in a new thread. Built, it is consumer.js next to this file.
 * Run from source under tsx, a worker with a .ts entry is loaded by the ES module loader,
 * which tsx does not hook in workers, so the entry is required through tsx's CommonJS hook.
 */
function startWorker(data: ConsumerData): Worker {
  const extension = path.extname(__filename);
  const entry = path.join(__dirname, `consumer${extension}`);
  if (extension !== '.ts') {
    return new Worker(entry, { workerData: data });
  }
  const tsxHook = require.resolve('tsx/cjs');
  const code = `require(${JSON.stringify(tsxHook)}); require(${JSON.stringify(entry)});`;
  return new Worker(code, { eval: true, workerData: data });
}
