/** postMessage from the main thread to a worker that receives and drops the items. */
import { once } from 'node:events';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';

import { startTsWorker } from '../workers/start';

const FLUSH = -1;

export class PostMessagePeer {
  private constructor(private readonly worker: Worker) {}

  static async open(): Promise<PostMessagePeer> {
    const worker = startTsWorker(path.join(__dirname, '..', 'workers', 'sink.ts'));
    await once(worker, 'online');
    return new PostMessagePeer(worker);
  }

  /** Posts one message: an item, or an array of items cloned as one message. */
  post(message: unknown): void {
    this.worker.postMessage(message);
  }

  /**
   * Waits until the worker has received every message posted so far, so that a sample
   * counts delivered items and the queue between the threads stays bounded.
   */
  async flush(): Promise<void> {
    this.worker.postMessage(FLUSH);
    await once(this.worker, 'message');
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
