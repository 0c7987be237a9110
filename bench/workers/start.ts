/** Starts a worker thread on a TypeScript file of the bench. */
import { Worker, type TransferListItem } from 'node:worker_threads';

/**
 * Starts `file` in a worker. Workers do not inherit `--import tsx` in Node.js 20, so the
 * worker registers tsx itself before it loads the file.
 */
export function startTsWorker(
  file: string,
  workerData?: unknown,
  transferList: TransferListItem[] = [],
): Worker {
  const bootstrap =
    `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();` +
    `require(${JSON.stringify(file)});`;
  return new Worker(bootstrap, { eval: true, workerData, transferList });
}
