/**
 * hazelcast-client's serialization service, which the cluster backend uses to write the
 * payload of ReliableTopic messages. String and JSON values skip it: they are written and
 * read here in their serialized form.
 *
 * A serialized value (hazelcast-client's HeapData, Java's Data) is a 4-byte partition hash,
 * a 4-byte type id, then what that type's serializer wrote. All of it is big-endian, which
 * is Hazelcast's default byte order and the one ringcast's client configuration keeps.
 * Hazelcast's String and JSON (HazelcastJsonValue) serializers both write a 4-byte length
 * in bytes, then the text in UTF-8.
 */
import {
  HazelcastJsonValue,
  type Client as HazelcastClient,
  type ReadResultSet as HazelcastReadResultSet,
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
 * NOTE: getSerializationService() is internal in hazelcast-client 5.7.0, where its own topic
 * proxy uses it. test/cluster/topic-interop.test.ts fails if a client version changes it.
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

/** The field of hazelcast-client's read result with the items as the member sent them. */
interface ReadResultItems {
  items?: unknown[];
}

/** Returned by readText for an item that is not a String or JSON value. */
const NOT_TEXT = Symbol('not text');

/** Decodes a serialized String or JSON value as Hazelcast's serializers read it, else NOT_TEXT. */
function readText(item: unknown, serialization: Serialization): unknown {
  if (!serialization.isData(item)) return NOT_TEXT;
  const bytes = item.toBuffer();
  if (bytes.length < TEXT_OFFSET) return NOT_TEXT;
  const type = bytes.readInt32BE(TYPE_OFFSET);
  if (type !== STRING_TYPE_ID && type !== JSON_TYPE_ID) return NOT_TEXT;
  const length = bytes.readInt32BE(LENGTH_OFFSET);
  const end = TEXT_OFFSET + length;
  if (length < 0 || end > bytes.length) return NOT_TEXT;
  const text = bytes.toString('utf8', TEXT_OFFSET, end);
  return type === STRING_TYPE_ID ? text : JSON.parse(text);
}

/**
 * Returns the items of a readMany result, in order. String and JSON items are decoded here
 * from their serialized bytes, which skips the serializer lookup and the input stream that
 * hazelcast-client's get() creates per item. Any other item comes from get() and then goes
 * through `convert`.
 * NOTE: `items` is internal to hazelcast-client 5.7.0's read result. Without it every item
 * goes through get(), which gives the same values.
 */
export function readResultItems(
  result: HazelcastReadResultSet<unknown>,
  serialization: Serialization,
  convert: (value: unknown) => unknown,
): unknown[] {
  const size = result.size();
  const raw = (result as unknown as ReadResultItems).items;
  const items = Array.isArray(raw) && raw.length === size ? raw : undefined;
  const values: unknown[] = [];
  for (let i = 0; i < size; i++) {
    const text = items === undefined ? NOT_TEXT : readText(items[i], serialization);
    values.push(text === NOT_TEXT ? convert(result.get(i)) : text);
  }
  return values;
}

/** The constructor of hazelcast-client's serialized form (HeapData). */
type SerializedDataClass = new (bytes: Buffer) => SerializedData;

/** A probe whose serialized form TextSerializer compares with the client's before use. */
const PROBE_TEXT = 'ringcast probe é 🌍';

/**
 * Serializes strings and JSON text as Hazelcast's String and JSON serializers write them,
 * straight into the client's serialized form, which its proxy sends as it is. That skips
 * the serializer lookup and the growing output stream of the client's own toData().
 */
export class TextSerializer {
  readonly #DataClass: SerializedDataClass;

  private constructor(DataClass: SerializedDataClass) {
    this.#DataClass = DataClass;
  }

  /**
   * Returns a serializer for `serialization`'s client, or undefined when the client's own
   * serialized form of a probe string or JSON text differs from this one's. The values then
   * go through the client's serializers.
   */
  static of(serialization: Serialization): TextSerializer | undefined {
    const reference = serialization.toData(PROBE_TEXT);
    const DataClass = reference.constructor as SerializedDataClass;
    if (typeof DataClass !== 'function') return undefined;
    const serializer = new TextSerializer(DataClass);
    const json = new HazelcastJsonValue(JSON.stringify({ probe: PROBE_TEXT }));
    const same = (value: unknown) => {
      const ours = serializer.serialize(value);
      return (
        serialization.isData(ours) &&
        ours.toBuffer().equals(serialization.toData(value).toBuffer())
      );
    };
    return same(PROBE_TEXT) && same(json) ? serializer : undefined;
  }

  /** Returns the serialized form of a string or HazelcastJsonValue, else `value` itself. */
  serialize(value: unknown): unknown {
    if (typeof value === 'string') return this.#write(STRING_TYPE_ID, value);
    if (value instanceof HazelcastJsonValue) return this.#write(JSON_TYPE_ID, value.toString());
    return value;
  }

  #write(type: number, text: string): SerializedData {
    const length = Buffer.byteLength(text, 'utf8');
    const bytes = Buffer.allocUnsafe(TEXT_OFFSET + length);
    // Partition hash 0, as the client writes it for a value without a partition key.
    bytes.writeInt32BE(0, 0);
    bytes.writeInt32BE(type, TYPE_OFFSET);
    bytes.writeInt32BE(length, LENGTH_OFFSET);
    bytes.write(text, TEXT_OFFSET, length, 'utf8');
    return new this.#DataClass(bytes);
  }
}
