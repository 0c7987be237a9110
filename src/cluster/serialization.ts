/**
 * hazelcast-client's serialization service, which the cluster backend uses in two places:
 * to write ReliableTopic messages, whose payload is a serialized value, and to read String
 * and JSON items of a readMany straight from the bytes the member sent.
 *
 * A serialized value (hazelcast-client's HeapData, Java's Data) is a 4-byte partition hash,
 * a 4-byte type id, then what that type's serializer wrote; all big-endian, Hazelcast's
 * default byte order, which ringcast's client configuration keeps. Hazelcast's String and
 * JSON (HazelcastJsonValue) serializers both write a 4-byte length in bytes, then the text
 * in UTF-8.
 */
import type {
  Client as HazelcastClient,
  ReadResultSet as HazelcastReadResultSet,
} from 'hazelcast-client';

import { ErrorCode, RingcastError } from '../errors';

/** A serialized value as hazelcast-client stores it (its HeapData). */
export interface SerializedData {
  toBuffer(): Buffer;
}

/** The part of hazelcast-client's serialization service that the cluster backend uses. */
export interface Serialization {
  toData(value: unknown): SerializedData;
  toObject(data: unknown): unknown;
  isData(value: unknown): value is SerializedData;
}

/**
 * Returns the client's serialization service.
 * NOTE: getSerializationService() is internal in hazelcast-client 5.7.0 (its own topic proxy
 * uses it); test/cluster/topic-interop.test.ts fails if a client version changes it.
 */
export function serializationOf(client: HazelcastClient): Serialization {
  const internal = client as unknown as { getSerializationService?: () => Serialization };
  if (typeof internal.getSerializationService !== 'function') {
    throw new RingcastError(
      ErrorCode.UNSUPPORTED,
      'this hazelcast-client has no getSerializationService(), which the cluster backend ' +
        'needs to write ReliableTopic messages; use hazelcast-client 5.7',
    );
  }
  return internal.getSerializationService();
}

/** Type ids of Hazelcast's String and JSON serializers. */
const STRING_TYPE_ID = -11;
const JSON_TYPE_ID = -130;
const TYPE_OFFSET = 4;
const LENGTH_OFFSET = 8;
const TEXT_OFFSET = 12;

/** The field of hazelcast-client's read result that holds the items as the member sent them. */
interface ReadResultItems {
  items?: unknown[];
}

/**
 * Returns item `index` of a readMany result. A String or JSON item is decoded here from its
 * serialized bytes, as Hazelcast's String and JSON serializers read them, which skips the
 * serializer lookup and the input stream that hazelcast-client's get() creates per item;
 * any other item comes from get().
 * NOTE: `items` is internal to hazelcast-client 5.7.0's read result. Without it every item
 * goes through get(), which gives the same values.
 */
export function readResultItem(
  result: HazelcastReadResultSet<unknown>,
  index: number,
  serialization: Serialization,
): unknown {
  const item = (result as unknown as ReadResultItems).items?.[index];
  if (serialization.isData(item)) {
    const bytes = item.toBuffer();
    if (bytes.length >= TEXT_OFFSET) {
      const type = bytes.readInt32BE(TYPE_OFFSET);
      const length = bytes.readInt32BE(LENGTH_OFFSET);
      const end = TEXT_OFFSET + length;
      const text = type === STRING_TYPE_ID || type === JSON_TYPE_ID;
      if (text && length >= 0 && end <= bytes.length) {
        const decoded = bytes.toString('utf8', TEXT_OFFSET, end);
        return type === STRING_TYPE_ID ? decoded : JSON.parse(decoded);
      }
    }
  }
  return result.get(index);
}
