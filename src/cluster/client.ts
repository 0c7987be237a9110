/**
 * The cluster backend's client: ringcast's Client over one official hazelcast-client
 * instance. Ring configurations live on the members; the client checks what it can read
 * back (the capacity) against the configuration the caller gives.
 */
import { Client as HazelcastClient, type ClientConfig } from 'hazelcast-client';

import { ConfigRegistry } from '../config';
import {
  ClientNotActiveError,
  ConfigConflictError,
  DistributedObjectDestroyedError,
  ErrorCode,
  RingcastError,
  typeError,
} from '../errors';
import type {
  Client,
  ClientOptions,
  Ringbuffer,
  RingbufferConfig,
} from '../ring-buffer';
import type { ReliableTopic } from '../topic/reliable-topic';
import { checkName, describe } from '../validate';
import { ClusterError } from './errors';
import { toHazelcastConfig } from './options';
import { ClusterRingbuffer } from './ringbuffer';

/**
 * Connects to the cluster named in `options.cluster`.
 * @throws TypeError or RangeError (code RINGCAST_INVALID_CONFIG) for invalid options;
 *   ClusterError (code RINGCAST_CLUSTER_ERROR) when no member answers in time.
 */
export async function createClusterClient(options: ClientOptions): Promise<Client> {
  const configs = new ConfigRegistry(options.ringbuffers);
  const hazelcastConfig: ClientConfig = toHazelcastConfig(options.cluster);
  let client: HazelcastClient;
  try {
    client = await HazelcastClient.newHazelcastClient(hazelcastConfig);
  } catch (error) {
    throw new ClusterError('connecting to the cluster', error);
  }
  return new ClusterClient(client, configs);
}

/** @internal */
class ClusterClient implements Client {
  readonly #client: HazelcastClient;
  readonly #configs: ConfigRegistry;
  /** Rejects of this client's waiting reads, by ring name. */
  readonly #waits = new Map<string, Set<(error: Error) => void>>();
  /** How many times this client destroyed each ring name. */
  readonly #destroyCounts = new Map<string, number>();
  #active = true;

  constructor(client: HazelcastClient, configs: ConfigRegistry) {
    this.#client = client;
    this.#configs = configs;
  }

  async getRingbuffer<T = unknown>(
    name: string,
    config?: RingbufferConfig,
  ): Promise<Ringbuffer<T>> {
    this.#checkActive();
    checkName(name);
    const { resolved, explicit } = this.#configs.resolve(name, config);

    const operation = `getRingbuffer(name=${JSON.stringify(name)})`;
    let capacity: number;
    let ring;
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
      trackWait: (reject: (error: Error) => void) => this.#trackWait(name, reject),
      destroyCount: () => this.#destroyCounts.get(name) ?? 0,
      rejectWaits: () => this.#rejectDestroyed(name),
    };
    return new ClusterRingbuffer<T>(name, ring, capacity, context);
  }

  async getReliableTopic<T = unknown>(name: string): Promise<ReliableTopic<T>> {
    this.#checkActive();
    throw new RingcastError(
      ErrorCode.UNSUPPORTED,
      `reliable topic name=${JSON.stringify(name)} cannot be opened: the cluster backend ` +
        'does not offer ReliableTopic yet; use the embedded backend',
    );
  }

  async shutdown(): Promise<void> {
    if (!this.#active) return;
    this.#active = false;
    const error = new ClientNotActiveError();
    for (const rejects of [...this.#waits.values()]) {
      for (const reject of [...rejects]) reject(error);
    }
    this.#waits.clear();
    await this.#client.shutdown();
  }

  #trackWait(name: string, reject: (error: Error) => void): () => void {
    let rejects = this.#waits.get(name);
    if (rejects === undefined) {
      rejects = new Set();
      this.#waits.set(name, rejects);
    }
    rejects.add(reject);
    return () => {
      rejects.delete(reject);
      if (rejects.size === 0 && this.#waits.get(name) === rejects) this.#waits.delete(name);
    };
  }

  /**
   * Rejects this client's waiting reads on a ring it destroyed. The member also cancels the
   * reads parked on it, but a readMany between two requests has none parked, and its next
   * request would wait on the ring that the request itself creates anew.
   */
  #rejectDestroyed(name: string): void {
    this.#destroyCounts.set(name, (this.#destroyCounts.get(name) ?? 0) + 1);
    const rejects = this.#waits.get(name);
    if (rejects === undefined) return;
    this.#waits.delete(name);
    const error = new DistributedObjectDestroyedError(name);
    for (const reject of [...rejects]) reject(error);
  }

  #checkActive(): void {
    if (!this.#active) throw new ClientNotActiveError();
  }
}
