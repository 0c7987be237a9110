/**
 * Topic messages on the cluster, in Hazelcast's own ReliableTopicMessage format, so that
 * Hazelcast's ReliableTopic of the same name (Java, Node.js and other clients) reads what
 * ringcast publishes and the other way round.
 *
 * A ReliableTopicMessage is an IdentifiedDataSerializable with factory id -9 and class id 2,
 * as hazelcast-client 5.7.0 defines it (lib/proxy/topic/ReliableTopicMessage.js). The Java
 * member reads it with com.hazelcast.topic.impl.reliable.ReliableTopicMessage, which
 * test/cluster/topic-interop.test.ts exercises. Its fields, in order:
 *
 *   publishTime       long, milliseconds since the epoch
 *   publisherAddress  object, the publisher's Address (or null)
 *   payload           the message in Hazelcast's serialized form, written as a byte array
 */
import type { DataInput, DataOutput, IdentifiedDataSerializable } from 'hazelcast-client';

import type { TopicRecord } from '../topic/record';
import type { Serialization } from './serialization';
import { toClusterValue } from './values';

export const TOPIC_MESSAGE_FACTORY_ID = -9;
export const TOPIC_MESSAGE_CLASS_ID = 2;

/** A ReliableTopicMessage as ringcast writes it; hazelcast-client's own class reads it. */
class OutgoingTopicMessage implements IdentifiedDataSerializable {
  factoryId = TOPIC_MESSAGE_FACTORY_ID;
  classId = TOPIC_MESSAGE_CLASS_ID;

  constructor(
    readonly publishTime: number,
    readonly publisherAddress: unknown,
    readonly payload: Buffer,
  ) {}

  /** Never called: hazelcast-client reads factory -9 with its own class. */
  readData(_input: DataInput): void {
    throw new Error('OutgoingTopicMessage is written only');
  }

  writeData(output: DataOutput): void {
    // The long as two ints in the stream's byte order, as DataOutput.writeLong writes it,
    // so no Long object (a package ringcast does not depend on) is needed.
    const high = Math.floor(this.publishTime / 2 ** 32) | 0;
    const low = this.publishTime % 2 ** 32 | 0;
    if (output.isBigEndian()) {
      output.writeInt(high);
      output.writeInt(low);
    } else {
      output.writeInt(low);
      output.writeInt(high);
    }
    output.writeObject(this.publisherAddress);
    output.writeByteArray(this.payload);
  }
}

/**
 * Converts a topic record into the ReliableTopicMessage stored on the cluster. `index` names
 * the record in errors, as itemPath does: `item` (-1) or `items[2]`.
 * @throws TypeError (code RINGCAST_INVALID_VALUE) for a payload the cluster cannot store
 *   unchanged, named `item.payload...` or `items[2].payload...`.
 */
export function toTopicMessage(
  record: TopicRecord,
  index: number,
  serialization: Serialization,
  publisherAddress: unknown,
): IdentifiedDataSerializable {
  const value = toClusterValue(record.payload, index, '.payload');
  const payload = serialization.toData(value).toBuffer();
  return new OutgoingTopicMessage(record.publishTime, publisherAddress ?? null, payload);
}

/** The fields of hazelcast-client's ReliableTopicMessage after it read one. */
interface IncomingTopicMessage {
  factoryId: number;
  classId: number;
  publishTime: { toNumber(): number };
  payload: unknown;
}

function isTopicMessage(item: unknown): item is IncomingTopicMessage {
  const message = item as Partial<IncomingTopicMessage> | null;
  return (
    message !== null &&
    typeof message === 'object' &&
    message.factoryId === TOPIC_MESSAGE_FACTORY_ID &&
    message.classId === TOPIC_MESSAGE_CLASS_ID &&
    typeof message.publishTime?.toNumber === 'function'
  );
}

/**
 * Converts an item read from a cluster ring: a ReliableTopicMessage becomes the topic record
 * `{ payload, publishTime }`, as the embedded engine stores topic messages, and any other item
 * is returned as it is.
 */
export function fromClusterItem(item: unknown, serialization: Serialization): unknown {
  if (!isTopicMessage(item)) return item;
  const record: TopicRecord = {
    payload: serialization.toObject(item.payload),
    publishTime: item.publishTime.toNumber(),
  };
  return record;
}
