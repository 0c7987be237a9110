/** The item a topic stores in its ring for each message (Hazelcast's ReliableTopicMessage). */
import { ErrorCode, RingcastError } from '../errors';
import type { Message } from './reliable-topic';

/** Prefix of the ring that backs a topic, as in Hazelcast: `_hz_rb_<topic name>`. */
export const TOPIC_RING_PREFIX = '_hz_rb_';

/** One stored message: the published value and when it was published. */
export interface TopicRecord {
  payload: unknown;
  /** Milliseconds since the epoch. */
  publishTime: number;
}

export function createRecord(payload: unknown, publishTime: number): TopicRecord {
  return { payload, publishTime };
}

/**
 * Turns the item read at `sequence` into the message a listener receives.
 * @throws RingcastError (code RINGCAST_CORRUPT_DATA) when the item is not a TopicRecord,
 *   which happens only when something other than the topic added to its ring.
 */
export function toMessage<T>(item: unknown, sequence: number, ringName: string): Message<T> {
  const record = item as Partial<TopicRecord> | null;
  if (
    record === null ||
    typeof record !== 'object' ||
    !('payload' in record) ||
    typeof record.publishTime !== 'number'
  ) {
    throw new RingcastError(
      ErrorCode.CORRUPT_DATA,
      `the item at sequence=${sequence} of ringbuffer name=${JSON.stringify(ringName)} is not ` +
        'a topic message; only the topic should add to its ring',
    );
  }
  return { messageObject: record.payload as T, publishingTime: record.publishTime, sequence };
}
