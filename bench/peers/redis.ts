/**
 * Redis Streams through ioredis as a ring: XADD with an exact MAXLEN keeps the newest
 * `capacity` entries, XRANGE reads by entry id and XREAD BLOCK waits for new entries.
 * Entry ids are `0-<sequence + 1>`, so an item's sequence maps to an id as in ringcast.
 */
import type { Redis } from 'ioredis';

import type { ServerAddress } from '../harness';
import type { Item, Shape } from '../items';
import { decodeItem, encodeItem } from './bytes';

const FIELD = 'v';

/** Opens a connection that fails fast instead of queueing commands while disconnected. */
export async function connectRedis(address: ServerAddress): Promise<Redis> {
  const { Redis: RedisClient } = await import('ioredis');
  const client = new RedisClient({
    host: address.host,
    port: address.port,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  await client.connect();
  return client;
}

export class RedisStreamPeer {
  private sequence = 0;

  private constructor(
    readonly client: Redis,
    readonly key: string,
    private readonly shape: Shape,
    private readonly capacity: number,
  ) {}

  /** Connects and starts an empty stream named after this process. */
  static async open(address: ServerAddress, shape: Shape, capacity: number) {
    const client = await connectRedis(address);
    const key = `ringcast-bench-${process.pid}`;
    await client.del(key);
    return new RedisStreamPeer(client, key, shape, capacity);
  }

  /** Connects to the stream `key` that another thread opened, as its only producer. */
  static async attach(address: ServerAddress, key: string, shape: Shape, capacity: number) {
    return new RedisStreamPeer(await connectRedis(address), key, shape, capacity);
  }

  /** Adds one item and waits for the reply. */
  async add(item: Item): Promise<void> {
    const id = this.nextId();
    await this.client.xadd(this.key, 'MAXLEN', this.capacity, id, FIELD, this.encode(item));
  }

  /** Adds the items with one pipelined round trip. */
  async addBatch(items: readonly Item[]): Promise<void> {
    const pipeline = this.client.pipeline();
    for (const item of items) {
      pipeline.xadd(this.key, 'MAXLEN', this.capacity, this.nextId(), FIELD, this.encode(item));
    }
    const replies = await pipeline.exec();
    const failed = replies?.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  /** Reads `count` entries from `start` with XRANGE and passes each decoded item to `touch`. */
  async readRange(start: number, count: number, touch: (item: Item) => number): Promise<number> {
    const entries = await this.client.xrangeBuffer(this.key, `0-${start + 1}`, '+', 'COUNT', count);
    let sum = 0;
    for (const [, fields] of entries) sum += touch(decodeItem(this.shape, fields[1]));
    return sum;
  }

  /** Disconnects; `deleteStream` also removes the stream. */
  async close(deleteStream = true): Promise<void> {
    if (deleteStream) await this.client.del(this.key);
    this.client.disconnect();
  }

  private nextId(): string {
    return `0-${++this.sequence}`;
  }

  private encode(item: Item): Buffer | string {
    return this.shape === 'string' ? (item as string) : encodeItem(this.shape, item);
  }
}
