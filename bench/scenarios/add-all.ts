/** Workload 2: batches of 100 items, one call per batch, awaited or through the blocking view. */
import { measureThroughput, type Bench, type MeasureSpec, type Scenario } from '../harness';
import { makePool, SHAPE_LABELS, type Item, type Shape } from '../items';
import { createLocalRing, isLocalPeer } from '../peers/in-process';
import { NatsStreamPeer } from '../peers/nats';
import { PostMessagePeer } from '../peers/post-message';
import { RedisStreamPeer } from '../peers/redis';
import { FramedRing } from '../peers/ringbuf';
import { openRingcast } from '../subjects';
import {
  CAPACITY,
  caseShape,
  LOCAL_CONTENDERS,
  MAX_ITEM_BYTES,
  NATS,
  planShapes,
  POST_MESSAGE,
  REDIS,
  RINGBUF_JS,
  RINGCAST_BINARY,
  RINGCAST_BINARY_BLOCKING,
  RINGCAST_OBJECT,
  RINGCAST_OBJECT_BLOCKING,
  serverAddress,
} from './common';

const BATCH_SIZE = 100;

/** Splits the pool into the batches a run cycles through. */
function makeBatches(shape: Shape): Item[][] {
  const pool = makePool(shape);
  const batches: Item[][] = [];
  for (let start = 0; start + BATCH_SIZE <= pool.length; start += BATCH_SIZE) {
    batches.push(pool.slice(start, start + BATCH_SIZE));
  }
  return batches;
}

async function prepare(spec: MeasureSpec, shape: Shape): Promise<Bench> {
  const batches = makeBatches(shape);
  let next = 0;
  const nextBatch = () => batches[next++ % batches.length];
  const id = spec.contenderId;

  if (id === RINGCAST_BINARY.id || id === RINGCAST_OBJECT.id) {
    const format = id === RINGCAST_BINARY.id ? 'BINARY' : 'OBJECT';
    const { client, ring } = await openRingcast<Item>(format, CAPACITY);
    return {
      itemsPerCall: BATCH_SIZE,
      async run(calls) {
        for (let i = 0; i < calls; i++) await ring.addAll(nextBatch());
      },
      close: () => client.shutdown(),
    };
  }
  if (id === RINGCAST_BINARY_BLOCKING.id || id === RINGCAST_OBJECT_BLOCKING.id) {
    const format = id === RINGCAST_BINARY_BLOCKING.id ? 'BINARY' : 'OBJECT';
    const { client, ring } = await openRingcast<Item>(format, CAPACITY);
    const view = ring.blocking();
    return {
      itemsPerCall: BATCH_SIZE,
      run(calls) {
        for (let i = 0; i < calls; i++) view.addAll(nextBatch());
      },
      close: () => client.shutdown(),
    };
  }
  if (isLocalPeer(id)) {
    const ring = createLocalRing<Item>(id, CAPACITY);
    return {
      itemsPerCall: BATCH_SIZE,
      run(calls) {
        for (let i = 0; i < calls; i++) ring.addBatch(nextBatch());
      },
    };
  }
  if (id === RINGBUF_JS.id) {
    const ring = new FramedRing(
      FramedRing.allocate(CAPACITY * MAX_ITEM_BYTES),
      shape,
      BATCH_SIZE * MAX_ITEM_BYTES,
      MAX_ITEM_BYTES,
    );
    return {
      itemsPerCall: BATCH_SIZE,
      run(calls) {
        for (let i = 0; i < calls; i++) {
          ring.encode(nextBatch());
          while (!ring.pushEncoded()) ring.discard();
        }
      },
    };
  }
  if (id === POST_MESSAGE.id) {
    const peer = await PostMessagePeer.open();
    return {
      itemsPerCall: BATCH_SIZE,
      async run(calls) {
        for (let i = 0; i < calls; i++) peer.post(nextBatch());
        await peer.flush();
      },
      close: () => peer.close(),
    };
  }
  if (id === REDIS.id || id === NATS.id) {
    const peer =
      id === REDIS.id
        ? await RedisStreamPeer.open(serverAddress(spec, 'redis'), shape, CAPACITY)
        : await NatsStreamPeer.open(serverAddress(spec, 'nats'), shape, CAPACITY);
    return {
      itemsPerCall: BATCH_SIZE,
      async run(calls) {
        for (let i = 0; i < calls; i++) await peer.addBatch(nextBatch());
      },
      close: () => peer.close(),
    };
  }
  throw new Error(`unknown contender ${id}`);
}

export const scenario: Scenario = {
  id: 'add-all',
  title: '2. addAll of 100 items',
  description:
    'Adds batches of 100 items into an overwriting ring of 10,000. ringcast awaits one ' +
    "`addAll` per batch, or calls the blocking view's synchronous `addAll`. The " +
    'in-process peers add the 100 items in a loop (ring-buffer-ts takes them in one ' +
    'variadic `add`). ringbuf.js pushes the 100 encoded frames with one write, postMessage ' +
    'sends the batch as one array message, Redis pipelines 100 XADD commands in one round ' +
    'trip, and NATS publishes 100 messages before awaiting their acknowledgements.',
  cases(options) {
    return planShapes(options).map((shape) => ({
      id: shape,
      title: `addAll of 100: ${SHAPE_LABELS[shape]}`,
      unit: 'items/s',
      higherIsBetter: true,
      chart: true,
      contenders: [
        RINGCAST_BINARY,
        RINGCAST_OBJECT,
        RINGCAST_BINARY_BLOCKING,
        RINGCAST_OBJECT_BLOCKING,
        ...LOCAL_CONTENDERS,
        RINGBUF_JS,
        POST_MESSAGE,
        REDIS,
        NATS,
      ],
    }));
  },
  async measure(spec) {
    return measureThroughput(await prepare(spec, caseShape(spec)), spec.budget);
  },
};
