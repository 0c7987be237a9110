/**
 * Worker thread body for topic.test.ts: subscribes to a topic with its own client, reports
 * `listening`, then reports the first `count` messages it receives and shuts down. On the
 * cluster backend its client connects to the test member.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { createClient } from '../../src/index';
import { backend, clusterOptions } from './ring';
import { RecordingListener } from './topic-listener';

/** The task the main thread gives the worker. */
export interface TopicWorkerTask {
  name: string;
  count: number;
  /** The listener's initialSequence(); undefined starts at tailSequence + 1. */
  initialSequence?: number;
}

/** A report from the worker. */
export type TopicWorkerReport =
  | { kind: 'listening' }
  | { kind: 'received'; sequences: number[]; payloads: unknown[] }
  | { kind: 'failed'; message: string };

function report(message: TopicWorkerReport): void {
  parentPort?.postMessage(message);
}

async function run(task: TopicWorkerTask): Promise<void> {
  const options = backend.kind === 'cluster' ? { cluster: clusterOptions() } : {};
  const client = await createClient(options);
  try {
    const topic = await client.getReliableTopic(task.name);
    const listener = new RecordingListener({ initialSequence: task.initialSequence });
    topic.addMessageListener(listener);
    report({ kind: 'listening' });
    await listener.waitForMessages(task.count);
    report({ kind: 'received', sequences: listener.sequences, payloads: listener.payloads });
  } catch (error) {
    report({ kind: 'failed', message: String(error) });
  } finally {
    await client.shutdown();
  }
}

void run(workerData as TopicWorkerTask);
