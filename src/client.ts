/** createClient and the embedded engine's client. */
import { threadId } from 'node:worker_threads';

import { binding } from './binding';
import {
  ClientNotActiveError,
  ConfigConflictError,
  ErrorCode,
  typeError,
  WrongThreadError,
} from './errors';
import { ConfigRegistry, type ResolvedRingbufferConfig } from './config';
import { EmbeddedRingbuffer } from './embedded/ringbuffer';
import { BinaryStore, ObjectStore, type RingStore } from './embedded/store';
import { TopicConfigRegistry } from './topic/config';
import { RingReliableTopic } from './topic/ring-topic';
import { TOPIC_RING_PREFIX, type TopicRecord } from './topic/record';
import type { ReliableTopic, ReliableTopicConfig } from './topic/reliable-topic';
import {
  InMemoryFormat,
  type Client,
  type ClientOptions,
  type Ringbuffer,
  type RingbufferConfig,
} from './ring-buffer';
import { checkName, describe } from './validate';

const CLIENT_OPTION_NAMES = new Set(['ringbuffers', 'reliableTopics', 'cluster']);
const FORMAT_CODES = { [InMemoryFormat.BINARY]: 0, [InMemoryFormat.OBJECT]: 1 } as const;

/**
 * Creates a client. Without a `cluster` option it runs the embedded engine: rings live in
 * this process, BINARY rings are shared by all its threads.
 * @throws TypeError or RangeError (code RINGCAST_INVALID_CONFIG) for invalid options.
 */
export async function createClient(options: ClientOptions = {}): Promise<Client> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(
      ErrorCode.INVALID_CONFIG,
      `options=${describe(options)} is invalid; expected an object`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!CLIENT_OPTION_NAMES.has(key)) {
      throw typeError(
        ErrorCode.INVALID_CONFIG,
        `${key} is not a client option; valid options are ${[...CLIENT_OPTION_NAMES].join(', ')}`,
      );
    }
  }
  if (options.cluster !== undefined) {
    // Loaded on demand, so the embedded engine never loads hazelcast-client.
    const { createClusterClient } = await import('./cluster/client');
    return createClusterClient(options);
  }
  return new EmbeddedClient(
    new ConfigRegistry(options.ringbuffers),
    new TopicConfigRegistry(options.reliableTopics),
  );
}

/** Names the option that differs between an existing ring and a requested config. */
function findConflict(
  existing: ResolvedRingbufferConfig,
  requested: ResolvedRingbufferConfig,
): [string, unknown, unknown] | undefined {
  const options = [
    'capacity',
    'backupCount',
    'asyncBackupCount',
    'timeToLiveSeconds',
    'inMemoryFormat',
  ] as const;
  for (const option of options) {
    if (existing[option] !== requested[option]) {
      return [option, existing[option], requested[option]];
    }
  }
  return undefined;
}

/** @internal */
class EmbeddedClient implements Client {
  readonly #configs: ConfigRegistry;
  readonly #proxies = new Map<string, EmbeddedRingbuffer<unknown>>();
  readonly #topicConfigs: TopicConfigRegistry;
  readonly #topics = new Map<string, RingReliableTopic<unknown>>();
  /** Capacity and TTL of each ring as last opened, which topics need to pick a policy. */
  readonly #ringSettings = new Map<string, { capacity: number; timeToLiveSeconds: number }>();
  #active = true;

  constructor(configs: ConfigRegistry, topicConfigs: TopicConfigRegistry) {
    this.#configs = configs;
    this.#topicConfigs = topicConfigs;
  }

  async getRingbuffer<T = unknown>(name: string, config?: RingbufferConfig): Promise<Ringbuffer<T>> {
    this.#checkActive();
    checkName(name);
    const { resolved, explicit } = this.#configs.resolve(name, config);

    const cached = this.#proxies.get(name);
    if (cached !== undefined && !explicit) return cached as Ringbuffer<T>;
    const store = this.#open(name, resolved, explicit);
    if (cached !== undefined) return cached as Ringbuffer<T>;

    const context = {
      checkActive: () => this.#checkActive(),
      reopen: () => this.#open(name, resolved, false),
    };
    const proxy = new EmbeddedRingbuffer<unknown>(name, store, context);
    this.#proxies.set(name, proxy);
    return proxy as Ringbuffer<T>;
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

    // As Hazelcast, the ring takes the ringbuffer config that matches the topic's name.
    // NOTE: when none matches (no `default` either), getRingbuffer matches the ring's own
    // name, where Hazelcast would use the defaults.
    const ringName = TOPIC_RING_PREFIX + name;
    const ring = await this.getRingbuffer<TopicRecord>(ringName, this.#configs.lookup(name));
    const raced = this.#topics.get(name);
    if (raced !== undefined) return raced as ReliableTopic<T>;
    const context = {
      checkActive: () => this.#checkActive(),
      ringSettings: () => this.#ringSettings.get(ringName)!,
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
    for (const proxy of this.#proxies.values()) proxy.close(error);
    this.#proxies.clear();
  }

  #checkActive(): void {
    if (!this.#active) throw new ClientNotActiveError();
  }

  /**
   * Opens the ring in the process-wide registry. An existing ring keeps its configuration;
   * when the caller configured the ring explicitly, a difference is an error.
   */
  #open(name: string, config: ResolvedRingbufferConfig, explicit: boolean): RingStore {
    const format = FORMAT_CODES[config.inMemoryFormat];
    const opened = binding.ringOpen(
      name,
      config.capacity,
      config.timeToLiveSeconds,
      format,
      threadId,
      config.backupCount,
      config.asyncBackupCount,
    );
    const existing: ResolvedRingbufferConfig = {
      capacity: opened.capacity,
      backupCount: opened.backupCount,
      asyncBackupCount: opened.asyncBackupCount,
      timeToLiveSeconds: opened.timeToLiveSeconds,
      inMemoryFormat: opened.format === 0 ? InMemoryFormat.BINARY : InMemoryFormat.OBJECT,
    };
    this.#ringSettings.set(name, {
      capacity: existing.capacity,
      timeToLiveSeconds: existing.timeToLiveSeconds,
    });
    if (!opened.created && explicit) {
      const conflict = findConflict(existing, config);
      if (conflict !== undefined) throw new ConfigConflictError(name, ...conflict);
    }
    if (existing.inMemoryFormat === InMemoryFormat.OBJECT) {
      if (opened.ownerThreadId !== threadId) {
        throw new WrongThreadError(name, opened.ownerThreadId, threadId);
      }
      return new ObjectStore(name, opened.handle, existing.capacity, existing.timeToLiveSeconds);
    }
    return new BinaryStore(opened.handle, existing.capacity, existing.timeToLiveSeconds);
  }
}
