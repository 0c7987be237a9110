/**
 * NATS JetStream as a ring: an in-memory stream limited to `capacity` messages that
 * discards the oldest. Stream sequences start at 1, so item sequence s is message s + 1.
 */
import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';

import type { ServerAddress } from '../harness';
import type { Item, Shape } from '../items';
import { decodeItem, encodeItem } from './bytes';

const FETCH_TIMEOUT_MS = 5000;

export async function connectNats(address: ServerAddress): Promise<NatsConnection> {
  const { connect } = await import('nats');
  return connect({
    servers: `${address.host}:${address.port}`,
    reconnect: false,
    timeout: 5000,
  });
}

export class NatsStreamPeer {
  private constructor(
    readonly connection: NatsConnection,
    readonly manager: JetStreamManager,
    readonly client: JetStreamClient,
    readonly stream: string,
    readonly subject: string,
    private readonly shape: Shape,
  ) {}

  static async open(address: ServerAddress, shape: Shape, capacity: number) {
    const { DiscardPolicy, StorageType } = await import('nats');
    const connection = await connectNats(address);
    const manager = await connection.jetstreamManager();
    const stream = `ringcast_bench_${process.pid}`;
    const subject = `bench.${process.pid}`;
    await manager.streams.add({
      name: stream,
      subjects: [subject],
      max_msgs: capacity,
      discard: DiscardPolicy.Old,
      storage: StorageType.Memory,
      num_replicas: 1,
      });
    return new NatsStreamPeer(connection, manager, connection.jetstream(), stream, subject, shape);
  }

  /** Connects to the stream that another thread opened, as its producer. */
  static async attach(address: ServerAddress, stream: string, subject: string, shape: Shape) {
    const connection = await connectNats(address);
    const manager = await connection.jetstreamManager();
    return new NatsStreamPeer(connection, manager, connection.jetstream(), stream, subject, shape);
  }

  /** Publishes one item and waits for the stream's acknowledgement. */
  async add(item: Item): Promise<void> {
    await this.client.publish(this.subject, encodeItem(this.shape, item));
  }

  /** Publishes the items without waiting in between, then waits for every acknowledgement. */
  async addBatch(items: readonly Item[]): Promise<void> {
    const acks = [];
    for (const item of items) {
      acks.push(this.client.publish(this.subject, encodeItem(this.shape, item)));
    }
    await Promise.all(acks);
  }

  /**
   * Reads `count` messages from item sequence `start` through an ordered consumer that
   * starts at that stream sequence, and passes each decoded item to `touch`. This was
   * faster here than `count` direct gets in flight at once (nats-server 2.9 has no
   * batched direct get).
   */
  async readRange(start: number, count: number, touch: (item: Item) => number): Promise<number> {
    const consumer = await this.client.consumers.get(this.stream, { opt_start_seq: start + 1 });
    const messages = await consumer.fetch({ max_messages: count, expires: FETCH_TIMEOUT_MS });
    let sum = 0;
    let received = 0;
    for await (const message of messages) {
      sum += touch(decodeItem(this.shape, message.data));
      if (++received === count) break;
    }
    if (received < count) throw new Error(`fetch returned ${received} of ${count} messages`);
    return sum;
  }

  /** Closes the connection; `deleteStream` also removes the stream. */
  async close(deleteStream = true): Promise<void> {
    if (deleteStream) await this.manager.streams.delete(this.stream);
    await this.connection.close();
  }
}
