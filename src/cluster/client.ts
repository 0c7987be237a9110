/**
 * The cluster backend's client: ringcast's Client over one official hazelcast-client
 * instance. Ring configurations live on the members; the client checks what it can read
 * back (the capacity) against the configuration the caller gives.
 */
import {
  Client as HazelcastClient,
  type ClientConfig,
  type ReadResultSet as HazelcastReadResultSet,
  type Ringbuffer as HazelcastRing,
} from 'hazelcast-client';

import { ConfigRegistry, type ResolvedRingbufferConfig } from '../config';
import {
  ClientNotActiveError,
  ConfigConflictError,
  DistributedObjectDestroyedError,
} from '../errors';
import type {
  Client,
  ClientOptions,
  Ringbuffer,
  RingbufferConfig,
} from '../ring-buffer';
import { TopicConfigRegistry } from '../topic/config';
import { RingReliableTopic } from '../topic/ring-topic';
import { TOPIC_RING_PREFIX, type TopicRecord } from '../topic/record';
import type { ReliableTopic, ReliableTopicConfig } from '../topic/reliable-topic';
import { checkName } from '../validate';
import { ClusterError } from './errors';
import { toHazelcastConfig } from './options';
import { ClusterRingbuffer, type ItemCodec, type TrackedWait } from './ringbuffer';
import {
  readResultItems,
  serializationOf,
  TextSerializer,
  type Serialization,
} from './serialization';
import { fromClusterItem, toTopicMessage } from './topic-message';
import { toClusterValue } from './values';

/**
 * Connects to the cluster named in `options.cluster`.
 * @throws TypeError or RangeError (code RINGCAST_INVALID_CONFIG) for invalid options;
 *   ClusterError (code RINGCAST_CLUSTER_ERROR) when no member answers in time.
 */
export async function createClusterClient(options: ClientOptions): Promise<Client> {
  const configs = new ConfigRegistry(options.ringbuffers);
  const topicConfigs = new TopicConfigRegistry(options.reliableTopics);
  const hazelcastConfig: ClientConfig = toHazelcastConfig(options.cluster);
  let client: HazelcastClient;
  try {
    client = await HazelcastClient.newHazelcastClient(hazelcastConfig);
  } catch (error) {
    throw new ClusterError('connecting to the cluster', error);
  }
  let serialization: Serialization;
  try {
    serialization = serializationOf(client);
  } catch (error) {
    await client.shutdown();
    throw error;
  }
  return new ClusterClient(client, configs, topicConfigs, serialization);
}

/** Reads the items of a readMany result, a ReliableTopicMessage as its topic record. */
function readClusterItems(
  result: HazelcastReadResultSet<unknown>,
  serialization: Serialization,
): unknown[] {
  return readResultItems(result, serialization, (value) => fromClusterItem(value, serialization));
}

/** @internal */
class ClusterClient implements Client {
  readonly #client: HazelcastClient;
  readonly #configs: ConfigRegistry;
  readonly #topicConfigs: TopicConfigRegistry;
  readonly #serialization: Serialization;
  /** The writer of String and JSON values; undefined when the client's bytes differ. */
  readonly #text: TextSerializer | undefined;
  readonly #topics = new Map<string, RingReliableTopic<unknown>>();
  /**
   * This client's waiting reads, by ring name. A name keeps its set until a destroy or the
   * shutdown, as hazelcast-client keeps its proxy of the ring, so that a read does not
   * create one.
   */
  readonly #waits = new Map<string, Set<TrackedWait>>();
  /** How many times this client destroyed each ring name. */
  readonly #destroyCounts = new Map<string, number>();
  #active = true;

  constructor(
    client: HazelcastClient,
    configs: ConfigRegistry,
    topicConfigs: TopicConfigRegistry,
    serialization: Serialization,
  ) {
    this.#client = client;
    this.#configs = configs;
    this.#topicConfigs = topicConfigs;
    this.#serialization = serialization;
    this.#text = TextSerializer.of(serialization);
  }

  async getRingbuffer<T = unknown>(
    name: string,
    config?: RingbufferConfig,
  ): Promise<Ringbuffer<T>> {
    this.#checkActive();
    checkName(name);
    const serialization = this.#serialization;
    const text = this.#text;
    const codec: ItemCodec<T> = {
      encode: text
        ? (item, index) => text.serialize(toClusterValue(item, index))
        : (item, index) => toClusterValue(item, index),
      decode: (value) => fromClusterItem(value, serialization) as T,
      readAll: (result) => readClusterItems(result, serialization) as T[],
    };
    const { ring } = await this.#openRing(name, config, codec);
    return ring;
  }

  async getReliableTopic<T = unknown>(
    name: string,
    config?: ReliableTopicConfig,
  ): Promise<ReliableTopic<T>> {
    this.#checkActive();
    checkName(name);
    const request = this.#topicConfigs.request(name, config, this.#topics);
    if ('open' in request) return request.open as ReliableTopic<T>;
    const { resolved } = request;

    // As Hazelcast and the embedded client, the ring takes the ringbuffer config that matches
    // the topic's name, and the members apply theirs for the ring's name.
    const ringName = TOPIC_RING_PREFIX + name;
    const serialization = this.#serialization;
    // The Address the official client's topic proxy also records as the publisher.
    const publisherAddress = this.#client.getLocalEndpoint().localAddress;
    const codec: ItemCodec<TopicRecord> = {
      encode: (record, index) => toTopicMessage(record, index, serialization, publisherAddress),
      decode: (value) => fromClusterItem(value, serialization) as TopicRecord,
      readAll: (result) => readClusterItems(result, serialization) as TopicRecord[],
    };
    const { ring, settings } = await this.#openRing(ringName, this.#configs.lookup(name), codec);
    const raced = this.#topics.get(name);
    if (raced !== undefined) return raced as ReliableTopic<T>;
    // The members keep the ring's TTL and the client cannot read it: timeToLiveKnown false
    // makes the topic add with FAIL and word a TopicOverloadError without a TTL value.
    const context = {
      checkActive: () => this.#checkActive(),
      ringSettings: () => ({
        capacity: settings.capacity,
        timeToLiveSeconds: settings.timeToLiveSeconds,
        timeToLiveKnown: false,
      }),
    };
    const topic = new RingReliableTopic<unknown>(name, ring, resolved, context);
    this.#topics.set(name, topic);
    return topic as ReliableTopic<T>;
  }

  async shutdown(): Promise<void> {
    if (!this.#active) return;
    this.#active = false;
    const error = new ClientNotActiveError();
    for (const topic of this.#topics.values()) topic.close(error);
    this.#topics.clear();
    for (const waits of [...this.#waits.values()]) {
      for (const wait of [...waits]) wait.fail(error);
    }
    this.#waits.clear();
    await this.#client.shutdown();
  }

  /**
   * Opens the official client's proxy of ring `name` and wraps it. Returns the ring and its
   * settings: the capacity the members report, and the TTL of the client's configuration.
   * @throws ConfigConflictError when the client's configuration for the ring (or `config`)
   *   gives another capacity than the members.
   */
  async #openRing<T>(
    name: string,
    config: RingbufferConfig | undefined,
    codec: ItemCodec<T>,
  ): Promise<{ ring: ClusterRingbuffer<T>; settings: ResolvedRingbufferConfig }> {
    const { resolved, explicit } = this.#configs.resolve(name, config);

    const operation = `getRingbuffer(name=${JSON.stringify(name)})`;
    let capacity: number;
    let ring: HazelcastRing<unknown>;
    try {
      ring = await this.#client.getRingbuffer<unknown>(name);
      capacity = (await ring.capacity()).toNumber();
    } catch (error) {
      if (!this.#active) throw new ClientNotActiveError();
      throw new ClusterError(operation, error);
    }
    // NOTE: only the capacity can be read back from the members. backupCount,
    // asyncBackupCount, timeToLiveSeconds and inMemoryFormat come from the members' config
    // and a difference to `config` goes unnoticed.
    if (explicit && capacity !== resolved.capacity) {
      throw new ConfigConflictError(name, 'capacity', capacity, resolved.capacity);
    }
    const context = {
      checkActive: () => this.#checkActive(),
      isShutDown: () => !this.#active,
      trackWait: (wait: TrackedWait) => this.#trackWait(name, wait),
      untrackWait: (wait: TrackedWait) => this.#waits.get(name)?.delete(wait),
      destroyCount: () => this.#destroyCounts.get(name) ?? 0,
      rejectWaits: () => this.#rejectDestroyed(name),
    };
    const wrapped = new ClusterRingbuffer<T>(name, ring, capacity, context, codec);
    return { ring: wrapped, settings: { ...resolved, capacity } };
  }

  #trackWait(name: string, wait: TrackedWait): void {
    let waits = this.#waits.get(name);
    if (waits === undefined) {
      waits = new Set();
      this.#waits.set(name, waits);
    }
    waits.add(wait);
  }

  /**
   * Rejects this client's waiting reads on a ring it destroyed. The member also cancels the
   * reads parked on it, but a readMany between two requests has none parked, and its next
   * request would wait on the ring that the request itself creates anew.
   */
  #rejectDestroyed(name: string): void {
    this.#destroyCounts.set(name, (this.#destroyCounts.get(name) ?? 0) + 1);
    const waits = this.#waits.get(name);
    if (waits === undefined) return;
    this.#waits.delete(name);
    const error = new DistributedObjectDestroyedError(name);
    for (const wait of [...waits]) wait.fail(error);
  }

  #checkActive(): void {
    if (!this.#active) throw new ClientNotActiveError();
  }
}
