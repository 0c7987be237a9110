/** Workload 3: reads of 100 items by sequence from a full ring, touching every item. */
import { measureThroughput, type Bench, type MeasureSpec, type Scenario } from '../harness';
import { makePool, SHAPE_LABELS, toucher, type Item, type Shape } from '../items';
import { createLocalRing, isLocalPeer } from '../peers/in-process';
import { NatsStreamPeer } from '../peers/nats';
import { RedisStreamPeer } from '../peers/redis';
import { openRingcast } from '../subjects';
import {
  CAPACITY,
  caseShape,
  LOCAL_CONTENDERS,
  NATS,
  planShapes,
  REDIS,
  RINGCAST_BINARY,
  RINGCAST_BINARY_BLOCKING,
  RINGCAST_OBJECT,
  RINGCAST_OBJECT_BLOCKING,
  serverAddress,
} from './common';

const READ_SIZE = 100;
const FILL_BATCH = 100;
/** Step between read starts: prime, so the reads visit every offset of the ring. */
const START_STEP = 97;

/** Returns the items that fill the ring: CAPACITY items cycled from the pool. */
function makeFill(shape: Shape): Item[][] {
  const pool = makePool(shape);
  const batches: Item[][] = [];
  for (let start = 0; start < CAPACITY; start += FILL_BATCH) {
    batches.push(Array.from({ length: FILL_BATCH }, (_, i) => pool[(start + i) % pool.length]));
  }
  return batches;
}

async function prepare(spec: MeasureSpec, shape: Shape): Promise<Bench> {
  const fill = makeFill(shape);
  const touch = toucher(shape);
  let next = 0;
  // The ring contains sequences 0 .. CAPACITY - 1, and every read fits inside them.
  const nextStart = () => (next++ * START_STEP) % (CAPACITY - READ_SIZE + 1);
  let sink = 0;
  const checkSink = () => {
    if (Number.isNaN(sink)) throw new Error('a read returned an item without the touched field');
  };
  const id = spec.contenderId;

  if (id === RINGCAST_BINARY.id || id === RINGCAST_OBJECT.id) {
    const format = id === RINGCAST_BINARY.id ? 'BINARY' : 'OBJECT';
    const { client, ring } = await openRingcast<Item>(format, CAPACITY);
    for (const batch of fill) await ring.addAll(batch);
    return {
      itemsPerCall: READ_SIZE,
      async run(calls) {
        for (let i = 0; i < calls; i++) {
          const result = await ring.readMany(nextStart(), READ_SIZE, READ_SIZE);
          for (const item of result) sink += touch(item);
        }
        checkSink();
      },
      close: () => client.shutdown(),
    };
  }
  if (id === RINGCAST_BINARY_BLOCKING.id || id === RINGCAST_OBJECT_BLOCKING.id) {
    const format = id === RINGCAST_BINARY_BLOCKING.id ? 'BINARY' : 'OBJECT';
    const { client, ring } = await openRingcast<Item>(format, CAPACITY);
    const view = ring.blocking();
    for (const batch of fill) view.addAll(batch);
    return {
      itemsPerCall: READ_SIZE,
      run(calls) {
        for (let i = 0; i < calls; i++) {
          // Every item is there, so the read returns without waiting.
          const result = view.readMany(nextStart(), READ_SIZE, READ_SIZE);
          for (const item of result) sink += touch(item);
        }
        checkSink();
      },
      close: () => client.shutdown(),
    };
  }
  if (isLocalPeer(id)) {
    const ring = createLocalRing<Item>(id, CAPACITY);
    for (const batch of fill) ring.addBatch(batch);
    return {
      itemsPerCall: READ_SIZE,
      run(calls) {
        for (let i = 0; i < calls; i++) sink += ring.readRange(nextStart(), READ_SIZE, touch);
        checkSink();
      },
    };
  }
  if (id === REDIS.id || id === NATS.id) {
    const peer =
      id === REDIS.id
        ? await RedisStreamPeer.open(serverAddress(spec, 'redis'), shape, CAPACITY)
        : await NatsStreamPeer.open(serverAddress(spec, 'nats'), shape, CAPACITY);
    for (const batch of fill) await peer.addBatch(batch);
    return {
      itemsPerCall: READ_SIZE,
      async run(calls) {
        for (let i = 0; i < calls; i++) sink += await peer.readRange(nextStart(), READ_SIZE, touch);
        checkSink();
      },
      close: () => peer.close(),
    };
  }
  throw new Error(`unknown contender ${id}`);
}

export const scenario: Scenario = {
  id: 'read-many',
  title: '3. readMany of 100 items',
  description:
    'Fills a ring of 10,000 items, then reads 100 consecutive items per call from start ' +
    'sequences spread over the whole ring, reading one field of every item returned. ' +
    "ringcast awaits `readMany(start, 100, 100)`, or calls the blocking view's synchronous " +
    '`readMany`, and iterates the result (BINARY decodes each item as it is iterated). The ' +
    'in-process peers index their storage; ringbufferjs has no access by index, so it ' +
    'copies its oldest 100 items with `peekN`. Redis reads with XRANGE from an explicit ' +
    'entry id, NATS with an ordered consumer that starts at the stream sequence and ' +
    'fetches 100 messages. ringbuf.js and postMessage are left out: their reads consume ' +
    'items, so they cannot read by sequence.',
  cases(options) {
    return planShapes(options).map((shape) => ({
      id: shape,
      title: `readMany of 100: ${SHAPE_LABELS[shape]}`,
      unit: 'items/s',
      higherIsBetter: true,
      chart: true,
      contenders: [
        RINGCAST_BINARY,
        RINGCAST_OBJECT,
        RINGCAST_BINARY_BLOCKING,
        RINGCAST_OBJECT_BLOCKING,
        ...LOCAL_CONTENDERS,
        REDIS,
        NATS,
      ],
    }));
  },
  async measure(spec) {
    return measureThroughput(await prepare(spec, caseShape(spec)), spec.budget);
  },
};
