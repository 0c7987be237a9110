/**
 * The consumer thread of `ringcast ingest`. It follows the ring with a readMany cursor,
 * reads every record, collects statistics for the records whose sequence it owns
 * (sequence mod consumers), publishes its cursor for the producer's gate after each batch
 * and stops after the end-of-stream item. Its result goes back in one message.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { createClient } from '../index';
import { IngestControl } from './control';
import { StatsCollector, type FieldShare } from './stats';

/** The workerData of each consumer thread. */
export interface ConsumerData {
  index: number;
  consumers: number;
  ringName: string;
  capacity: number;
  /** The sequence of the first record; every cursor starts here. */
  startSequence: number;
  /** maxCount of each readMany; at most the capacity. */
  maxBatch: number;
  control: SharedArrayBuffer;
}

/** The message a consumer posts after it has read the end-of-stream item. */
export interface ConsumerResult {
  /** Records read. */
  consumed: number;
  /** Records overwritten before this consumer read them. */
  lost: number;
  fields: FieldShare[];
}

async function consume(data: ConsumerData): Promise<ConsumerResult> {
  const control = new IngestControl(data.consumers, data.startSequence, data.control);
  const stats = new StatsCollector();
  const client = await createClient();
  let consumed = 0;
  let lost = 0;

  try {
    const ring = await client.getRingbuffer<Record<string, unknown>>(data.ringName, {
      capacity: data.capacity,
    });
    let cursor = data.startSequence;
    let ended = false;

    // Each readMany returns at least one item, so this ends after at most one pass per
    // record. It waits only while the producer is still adding.
    while (!ended) {
      const result = await ring.readMany(cursor, 1, data.maxBatch);
      const next = result.getNextSequenceToReadFrom();
      lost += next - result.getReadCount() - cursor;
      // The producer publishes the end sequence before it adds the end-of-stream item, so
      // if that item is in this result, the load below returns its sequence.
      const end = control.endSequence();

      const size = result.size();
      for (let i = 0; i < size; i++) {
        const sequence = result.getSequence(i)!;
        if (sequence === end) {
          ended = true;
          break;
        }
        consumed++;
        if (sequence % data.consumers === data.index) {
          stats.add(result.get(i)!, sequence);
        }
      }
      cursor = next;
      control.publishCursor(data.index, cursor);
    }
  } finally {
    await client.shutdown();
  }
  return { consumed, lost, fields: stats.shares() };
}

if (parentPort !== null) {
  const port = parentPort;
  // A rejection stays unhandled on purpose: it ends the thread, and the main thread gets
  // the error in the worker's 'error' event.
  void consume(workerData as ConsumerData).then((result) => {
    port.postMessage(
      result,
      result.fields.map((field) => field.values.buffer as ArrayBuffer),
    );
  });
}
