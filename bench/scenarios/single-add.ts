/**
 * Workload 1: one item per add, each add awaited where the API returns a Promise, and
 * ringcast's synchronous blocking view beside its awaited API.
 */
import { measureThroughput, type Bench, type MeasureSpec, type Scenario } from '../harness';
import { makePool, POOL_MASK, SHAPE_LABELS, type Item, type Shape } from '../items';
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

const AWAIT_RESOLVED = {
  id: 'await-resolved',
  label: 'await of a resolved Promise',
  role: 'baseline',
} as const;

async function prepare(spec: MeasureSpec, shape: Shape): Promise<Bench> {
  const pool = makePool(shape);
  let next = 0;
  const id = spec.contenderId;

  if (id === RINGCAST_BINARY.id || id === RINGCAST_OBJECT.id) {
    const format = id === RINGCAST_BINARY.id ? 'BINARY' : 'OBJECT';
    const { client, ring } = await openRingcast<Item>(format, CAPACITY);
    return {
      itemsPerCall: 1,
      async run(calls) {
        for (let i = 0; i < calls; i++) await ring.add(pool[next++ & POOL_MASK]);
      },
      close: () => client.shutdown(),
    };
  }
  if (id === RINGCAST_BINARY_BLOCKING.id || id === RINGCAST_OBJECT_BLOCKING.id) {
    const format = id === RINGCAST_BINARY_BLOCKING.id ? 'BINARY' : 'OBJECT';
    const { client, ring } = await openRingcast<Item>(format, CAPACITY);
    const view = ring.blocking();
    return {
      itemsPerCall: 1,
      run(calls) {
        for (let i = 0; i < calls; i++) view.add(pool[next++ & POOL_MASK]);
      },
      close: () => client.shutdown(),
    };
  }
  if (id === AWAIT_RESOLVED.id) {
    const resolved = Promise.resolve(0);
    let sink = 0;
    return {
      itemsPerCall: 1,
      async run(calls) {
        for (let i = 0; i < calls; i++) sink += await resolved;
        if (sink < 0) throw new Error('unreachable');
      },
    };
  }
  if (isLocalPeer(id)) {
    const ring = createLocalRing<Item>(id, CAPACITY);
    return {
      itemsPerCall: 1,
      run(calls) {
        for (let i = 0; i < calls; i++) ring.add(pool[next++ & POOL_MASK]);
      },
    };
  }
  if (id === RINGBUF_JS.id) {
    // An SPSC ring never overwrites, so the adding thread drops the oldest frame itself.
    const ring = new FramedRing(
      FramedRing.allocate(CAPACITY * MAX_ITEM_BYTES),
      shape,
      MAX_ITEM_BYTES,
      MAX_ITEM_BYTES,
    );
    const single: Item[] = [pool[0]];
    return {
      itemsPerCall: 1,
      run(calls) {
        for (let i = 0; i < calls; i++) {
          single[0] = pool[next++ & POOL_MASK];
          ring.encode(single);
          while (!ring.pushEncoded()) ring.discard();
        }
      },
    };
  }
  if (id === POST_MESSAGE.id) {
    const peer = await PostMessagePeer.open();
    return {
      itemsPerCall: 1,
      async run(calls) {
        for (let i = 0; i < calls; i++) peer.post(pool[next++ & POOL_MASK]);
        await peer.flush();
      },
      close: () => peer.close(),
    };
  }
  if (id === REDIS.id) {
    const peer = await RedisStreamPeer.open(serverAddress(spec, 'redis'), shape, CAPACITY);
    return {
      itemsPerCall: 1,
      async run(calls) {
        for (let i = 0; i < calls; i++) await peer.add(pool[next++ & POOL_MASK]);
      },
      close: () => peer.close(),
    };
  }
  if (id === NATS.id) {
    const peer = await NatsStreamPeer.open(serverAddress(spec, 'nats'), shape, CAPACITY);
    return {
      itemsPerCall: 1,
      async run(calls) {
        for (let i = 0; i < calls; i++) await peer.add(pool[next++ & POOL_MASK]);
      },
      close: () => peer.close(),
    };
  }
  throw new Error(`unknown contender ${id}`);
}

export const scenario: Scenario = {
  id: 'single-add',
  title: '1. Single add, awaited and through the blocking view',
  description:
    'Adds one item per call into a ring of 10,000 items that is already overwriting. ' +
    "ringcast's `add` returns a Promise and each one is awaited, which costs one Promise " +
    "and one await per item; the blocking view's `ring.blocking().add` is a synchronous " +
    'call, as are the in-process peers. The baseline awaits an already resolved ' +
    'native Promise per item: the floor of any awaited API. postMessage counts items the ' +
    'worker has received (each sample waits for the worker to catch up); ringbuf.js is ' +
    'single-producer single-consumer and never overwrites, so the adding thread pops the ' +
    'oldest frame when full. Redis and NATS await each reply.',
  cases(options) {
    return planShapes(options).map((shape) => ({
      id: shape,
      title: `Single add: ${SHAPE_LABELS[shape]}`,
      unit: 'items/s',
      higherIsBetter: true,
      chart: true,
      contenders: [
        RINGCAST_BINARY,
        RINGCAST_OBJECT,
        RINGCAST_BINARY_BLOCKING,
        RINGCAST_OBJECT_BLOCKING,
        AWAIT_RESOLVED,
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
