/**
 * Workload 8: the add and read workloads against a Hazelcast member, through the official
 * hazelcast-client Ringbuffer proxy directly and through ringcast's cluster backend, which
 * wraps that proxy. The ratio is the wrapper's overhead.
 */
import type { Client, Ringbuffer } from '../../src/index';
import {
  measureThroughput,
  measureTogether,
  type Bench,
  type CaseSpec,
  type MeasureSpec,
  type PlanOptions,
  type Scenario,
  type ServerAddress,
} from '../harness';
import { makePool, POOL_MASK, SHAPE_LABELS, toucher, type Item, type Shape } from '../items';
import {
  BENCH_CLUSTER_NAME,
  BENCH_RING_CAPACITY,
  benchRingName,
  HazelcastRingPeer,
  memberAddress,
} from '../peers/hazelcast';
import { loadRingcast } from '../subjects';
import { caseShape, HAZELCAST_CLIENT, RINGCAST_CLUSTER, serverAddress } from './common';

const BATCH_SIZE = 100;
const READ_SIZE = 100;
/** Step between read starts: prime, so the reads visit every offset of the ring. */
const START_STEP = 97;
/** Calls in flight in the pipelined cases. */
const PIPELINED_CALLS = 8;

type Operation = 'add' | 'add-all' | 'read-many';

const OPERATIONS: Operation[] = ['add', 'add-all', 'read-many'];

/** The calls one contender makes; both contenders implement them over the same member. */
interface ClusterRing {
  add(item: Item): Promise<unknown>;
  addAll(items: Item[]): Promise<unknown>;
  /** Reads `count` items from `start` and returns the sum of `touch` over them. */
  readRange(start: number, count: number, touch: (item: Item) => number): Promise<number>;
  close(): Promise<void>;
}

/** Opens a ring on the member through ringcast's public `createClient({ cluster })`. */
async function openRingcastCluster(address: ServerAddress, name: string): Promise<ClusterRing> {
  const { createClient } = loadRingcast();
  const client: Client = await createClient({
    cluster: { clusterName: BENCH_CLUSTER_NAME, members: [memberAddress(address)] },
  });
  let ring: Ringbuffer<Item>;
  try {
    // An explicit capacity, so that a member configured otherwise is an error.
    ring = await client.getRingbuffer<Item>(name, { capacity: BENCH_RING_CAPACITY });
  } catch (error) {
    await client.shutdown();
    throw error;
  }
  return {
    add: (item) => ring.add(item),
    addAll: (items) => ring.addAll(items),
    async readRange(start, count, touch) {
      const result = await ring.readMany(start, count, count);
      let sum = 0;
      for (const item of result) sum += touch(item);
      return sum;
    },
    async close() {
      try {
        await ring.destroy();
      } finally {
        await client.shutdown();
      }
    },
  };
}

async function openContender(spec: MeasureSpec, contenderId: string): Promise<ClusterRing> {
  const address = serverAddress(spec, 'hazelcast');
  const name = benchRingName(contenderId);
  if (contenderId === RINGCAST_CLUSTER.id) return openRingcastCluster(address, name);
  if (contenderId === HAZELCAST_CLIENT.id) return HazelcastRingPeer.open<Item>(address, name);
  throw new Error(
    `unknown contender ${contenderId}; expected ${RINGCAST_CLUSTER.id} or ${HAZELCAST_CLIENT.id}`,
  );
}

/** Returns the operation and the number of calls in flight that a case id names. */
function parseCaseId(caseId: string): { operation: Operation; inFlight: number } {
  const [, operation, inFlight = '1'] = caseId.split(':');
  if (!(OPERATIONS as string[]).includes(operation)) {
    throw new Error(`case ${caseId} names no operation; expected one of ${OPERATIONS.join(', ')}`);
  }
  return { operation: operation as Operation, inFlight: Number(inFlight) };
}

/**
 * Runs `calls` calls of `call` with `inFlight` of them outstanding: each of `inFlight`
 * lanes awaits its calls one after another.
 */
async function runCalls(calls: number, inFlight: number, call: () => Promise<unknown>) {
  if (inFlight === 1) {
    for (let i = 0; i < calls; i++) await call();
    return;
  }
  const lane = async (first: number) => {
    for (let i = first; i < calls; i += inFlight) await call();
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, calls) }, (_, i) => lane(i)));
}

/** Splits the pool into the batches that addAll cycles through. */
function makeBatches(pool: readonly Item[]): Item[][] {
  const batches: Item[][] = [];
  for (let start = 0; start + BATCH_SIZE <= pool.length; start += BATCH_SIZE) {
    batches.push(pool.slice(start, start + BATCH_SIZE));
  }
  return batches;
}

/** Fills the ring to capacity, so every read below finds its items. */
async function fill(ring: ClusterRing, pool: readonly Item[]): Promise<void> {
  for (let start = 0; start < BENCH_RING_CAPACITY; start += BATCH_SIZE) {
    const batch = Array.from({ length: BATCH_SIZE }, (_, i) => pool[(start + i) % pool.length]);
    await ring.addAll(batch);
  }
}

async function prepare(spec: MeasureSpec, contenderId: string, shape: Shape): Promise<Bench> {
  const { operation, inFlight } = parseCaseId(spec.caseId);
  const pool = makePool(shape);
  const ring = await openContender(spec, contenderId);
  const close = () => ring.close();

  if (operation === 'add') {
    let next = 0;
    return {
      itemsPerCall: 1,
      run: (calls) => runCalls(calls, inFlight, () => ring.add(pool[next++ & POOL_MASK])),
      close,
    };
  }
  if (operation === 'add-all') {
    const batches = makeBatches(pool);
    let next = 0;
    return {
      itemsPerCall: BATCH_SIZE,
      run: (calls) =>
        runCalls(calls, inFlight, () => ring.addAll(batches[next++ % batches.length])),
      close,
    };
  }

  await fill(ring, pool);
  const touch = toucher(shape);
  let next = 0;
  // The ring contains sequences 0 .. capacity - 1, and every read fits inside them.
  const nextStart = () => (next++ * START_STEP) % (BENCH_RING_CAPACITY - READ_SIZE + 1);
  let sink = 0;
  const read = async () => {
    sink += await ring.readRange(nextStart(), READ_SIZE, touch);
  };
  return {
    itemsPerCall: READ_SIZE,
    async run(calls) {
      await runCalls(calls, inFlight, read);
      if (Number.isNaN(sink)) throw new Error('a read returned an item without the touched field');
    },
    close,
  };
}

const OPERATION_TITLES: Record<Operation, string> = {
  add: 'single add, awaited',
  'add-all': 'addAll of 100',
  'read-many': 'readMany of 100',
};

function planCases(options: PlanOptions): CaseSpec[] {
  const shapes: Shape[] = options.quick ? ['object'] : ['object', 'string'];
  const cases: CaseSpec[] = [];
  for (const shape of shapes) {
    const variants: [Operation, number][] = [
      ['add', 1],
      ['add-all', 1],
      ['read-many', 1],
      ['add-all', PIPELINED_CALLS],
      ['read-many', PIPELINED_CALLS],
    ];
    for (const [operation, inFlight] of variants) {
      const pipelined = inFlight > 1;
      const unit = operation === 'add' ? 'adds' : 'calls';
      cases.push({
        id: pipelined ? `${shape}:${operation}:${inFlight}` : `${shape}:${operation}`,
        title:
          `Cluster, ${OPERATION_TITLES[operation]}` +
          `${pipelined ? `, ${inFlight} ${unit} in flight` : ''}: ${SHAPE_LABELS[shape]}`,
        unit: 'items/s',
        higherIsBetter: true,
        // The ratios are near 1x, which the log-scale chart of the embedded workloads hides.
        chart: false,
        contenders: [RINGCAST_CLUSTER, HAZELCAST_CLIENT],
        metrics: { cpuNsPerItem: 'client CPU per item (ns)' },
        together: true,
      });
    }
  }
  return cases;
}

export const scenario: Scenario = {
  id: 'cluster',
  title: '8. Cluster backend against the official client',
  description:
    'Starts one Hazelcast member on 127.0.0.1 (the jar from scripts/fetch-hazelcast.sh, ' +
    'Java 17, a ring config of capacity 10,000 for the bench rings) and runs the add and ' +
    "read workloads against it through two clients: hazelcast-client's Ringbuffer proxy " +
    "used directly, and ringcast's cluster backend (`createClient({ cluster })`), which " +
    'validates the arguments and converts the values before it calls that same proxy. Both ' +
    'store the same items, plain objects as JSON and strings as String, each in a ring of ' +
    'its own. The single add and the addAll of 100 await each call; the readMany of 100 ' +
    'reads from a full ring at start sequences spread over it and reads one field of every ' +
    `item returned. The pipelined cases keep ${PIPELINED_CALLS} calls in flight, each of ` +
    `${PIPELINED_CALLS} lanes awaiting its own calls, so that the clients' processor time ` +
    'weighs more than the round trip. Both clients run in the same process, connected at ' +
    'once, and take turns in blocks of calls, so that their ratio is not the difference ' +
    'between two processes. ' +
    "Each case reports ringcast ÷ the official client, in rate and in the process's CPU " +
    "time per item over each client's blocks.",
  cases: planCases,
  async measure(spec) {
    const shape = caseShape(spec);
    if (spec.together === undefined) {
      return measureThroughput(await prepare(spec, spec.contenderId, shape), spec.budget);
    }
    const benches: [string, Bench][] = [];
    try {
      for (const id of spec.together) benches.push([id, await prepare(spec, id, shape)]);
    } catch (error) {
      for (const [, bench] of benches) await bench.close?.();
      throw error;
    }
    return measureTogether(benches, spec.budget);
  },
};
