/**
 * The official Hazelcast Node.js client, hazelcast-client, as a peer: its Ringbuffer proxy
 * used directly against the member the bench starts, as an application without ringcast
 * would use it. Items go in unchanged. The client serializes a plain object as JSON and a
 * string as a String, and deserializes them back the same way.
 */
import type { Client, ClientConfig, Ringbuffer } from 'hazelcast-client';

import type { ServerAddress } from '../harness';
import { makePool, type Item } from '../items';

/** Cluster name of the member the bench starts. */
export const BENCH_CLUSTER_NAME = 'ringcast-bench';

/** Prefix of the ring names that the member configures with BENCH_RING_CAPACITY. */
export const BENCH_RING_PREFIX = 'ringcast-bench-';

/** Capacity of the bench rings on the member, the same as the embedded workloads'. */
export const BENCH_RING_CAPACITY = 10_000;

const CONNECT_TIMEOUT_MS = 20_000;
/** Upper bounds of the member's warm-up: rounds of calls, and milliseconds. */
const WARMUP_ROUNDS = 2000;
const WARMUP_MS = 8000;
const WARMUP_BATCH = 100;

/** Returns a ring name unique to this process and contender, under BENCH_RING_PREFIX. */
export function benchRingName(contender: string): string {
  return `${BENCH_RING_PREFIX}${contender}-${process.pid}`;
}

/** Returns the member's address as both clients take it, `host:port`. */
export function memberAddress(address: ServerAddress): string {
  return `${address.host}:${address.port}`;
}

/**
 * Returns the official client's configuration for the bench member: the settings that
 * ringcast's cluster backend passes too (cluster name, member list, connect timeout and
 * logging off), and the defaults for everything else.
 */
function clientConfig(address: ServerAddress): ClientConfig {
  return {
    clusterName: BENCH_CLUSTER_NAME,
    network: { clusterMembers: [memberAddress(address)] },
    connectionStrategy: {
      connectionRetry: { clusterConnectTimeoutMillis: CONNECT_TIMEOUT_MS },
    },
    properties: { 'hazelcast.logging.level': 'OFF' },
  };
}

export class HazelcastRingPeer<T> {
  private constructor(
    readonly client: Client,
    readonly ring: Ringbuffer<T>,
  ) {}

  /** Connects to the member and opens the ring `name`, which the member configures. */
  static async open<T>(address: ServerAddress, name: string): Promise<HazelcastRingPeer<T>> {
    const { Client: HazelcastClient } = await import('hazelcast-client');
    const client = await HazelcastClient.newHazelcastClient(clientConfig(address));
    try {
      const ring = await client.getRingbuffer<T>(name);
      const capacity = (await ring.capacity()).toNumber();
      if (capacity !== BENCH_RING_CAPACITY) {
        throw new Error(
          `ring ${name} has capacity=${capacity} on the member; expected ${BENCH_RING_CAPACITY}`,
        );
      }
      return new HazelcastRingPeer(client, ring);
    } catch (error) {
      await client.shutdown();
      throw error;
    }
  }

  /** Adds one item and waits for the member's reply. */
  async add(item: T): Promise<void> {
    await this.ring.add(item);
  }

  /** Adds the items with one addAll request. */
  async addAll(items: T[]): Promise<void> {
    await this.ring.addAll(items);
  }

  /**
   * Reads `count` items from `start` with one readMany request and passes each item to
   * `touch`. The client deserializes an item on the first `get` of it.
   */
  async readRange(start: number, count: number, touch: (item: T) => number): Promise<number> {
    const result = await this.ring.readMany(start, count, count);
    let sum = 0;
    for (let i = 0; i < result.size(); i++) sum += touch(result.get(i));
    return sum;
  }

  /** Destroys the ring on the member and disconnects. */
  async close(): Promise<void> {
    try {
      await this.ring.destroy();
    } finally {
      await this.client.shutdown();
    }
  }
}

/**
 * Runs the cluster workload's calls (add, addAll and readMany of small objects and strings)
 * against a new member until WARMUP_MS or WARMUP_ROUNDS is reached, so that the member's
 * JIT compiler has compiled their paths before the first measurement.
 */
export async function warmUpMember(address: ServerAddress): Promise<void> {
  const peer = await HazelcastRingPeer.open<Item>(address, benchRingName('warm-up'));
  try {
    const pools = [makePool('object'), makePool('string')];
    const deadline = Date.now() + WARMUP_MS;
    let sink = 0;
    for (let round = 0; round < WARMUP_ROUNDS && Date.now() < deadline; round++) {
      const pool = pools[round % pools.length];
      const start = (round * WARMUP_BATCH) % (pool.length - WARMUP_BATCH);
      await peer.add(pool[start]);
      await peer.addAll(pool.slice(start, start + WARMUP_BATCH));
      sink += await peer.readRange(round * WARMUP_BATCH, WARMUP_BATCH, () => 1);
    }
    if (sink === 0) throw new Error('the warm-up read no items from the member');
  } finally {
    await peer.close();
  }
}
