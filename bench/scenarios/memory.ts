/** Workload 5: memory of 1,000,000 retained small objects. */
import type { Measurement, MeasureSpec, Scenario } from '../harness';
import { makeObject, type SmallObject } from '../items';
import { createLocalRing, isLocalPeer, type LocalRing } from '../peers/in-process';
import { loadBinding, loadRingcast, openRingcast } from '../subjects';
import { LOCAL_CONTENDERS, RINGCAST_BINARY, RINGCAST_OBJECT } from './common';

const RETAINED = 1_000_000;
const CHUNK = 1000;

/** The control: the same objects made and dropped, so its growth is the process's own. */
const NO_RING = {
  id: 'no-ring',
  label: 'no ring: make and drop the objects',
  role: 'baseline',
} as const;

interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Collects garbage until the heap stops shrinking (at most 5 passes) and reads memory. */
async function settle(): Promise<MemorySnapshot> {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('the memory workload needs node --expose-gc');
  let previous = Infinity;
  for (let pass = 0; pass < 5; pass++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const { heapUsed } = process.memoryUsage();
    if (heapUsed >= previous) break;
    previous = heapUsed;
  }
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

/** Returns a fresh chunk of objects; each object and its string exist only in the ring. */
function makeChunk(start: number): SmallObject[] {
  return Array.from({ length: CHUNK }, (_, i) => makeObject(start + i));
}

async function measureMemory(spec: MeasureSpec): Promise<Measurement> {
  const id = spec.contenderId;
  // Every contender loads ringcast's modules and addon before the first reading, so that
  // their code is not counted as retained items.
  loadRingcast();
  const before = await settle();

  let keep: unknown;
  if (id === RINGCAST_BINARY.id || id === RINGCAST_OBJECT.id) {
    const format = id === RINGCAST_BINARY.id ? 'BINARY' : 'OBJECT';
    const opened = await openRingcast<SmallObject>(format, RETAINED);
    for (let start = 0; start < RETAINED; start += CHUNK) {
      await opened.ring.addAll(makeChunk(start));
    }
    const size = await opened.ring.size();
    if (size !== RETAINED) throw new Error(`the ring retained ${size} of ${RETAINED} items`);
    keep = opened;
  } else if (id === NO_RING.id) {
    let made = 0;
    for (let start = 0; start < RETAINED; start += CHUNK) made += makeChunk(start).length;
    keep = made;
  } else if (isLocalPeer(id)) {
    const ring: LocalRing<SmallObject> = createLocalRing(id, RETAINED);
    for (let start = 0; start < RETAINED; start += CHUNK) ring.addBatch(makeChunk(start));
    keep = ring;
  } else {
    throw new Error(`unknown contender ${id}`);
  }

  const after = await settle();
  if (keep === undefined) throw new Error('unreachable');
  const rss = after.rss - before.rss;
  const heap = after.heapUsed - before.heapUsed;
  const metrics: Record<string, number> = {
    heapBytes: heap,
    externalBytes: after.external - before.external,
    rssPerItem: rss / RETAINED,
    heapPerItem: heap / RETAINED,
  };
  if (id === RINGCAST_BINARY.id) {
    const { binding } = loadBinding();
    metrics.encodedPerItem = binding.encode(makeObject(RETAINED / 2), 'item').byteLength;
  }
  return { value: rss, samples: [rss], metrics };
}

export const scenario: Scenario = {
  id: 'memory',
  title: '5. Memory of 1,000,000 retained small objects',
  description:
    'Fills a ring of capacity 1,000,000 with 1,000,000 freshly made small objects (each ' +
    'with its own 24-character string), collects garbage until the heap stops shrinking, ' +
    'and reports the growth of the resident set (RSS) and of the JS heap against the same ' +
    'fresh process before the fill. ringcast adds with `addAll` in chunks of 1,000; the ' +
    'JS rings add one item at a time. The control makes the same objects and drops them, ' +
    'so its growth is what the process gains without retaining anything. Lower is ' +
    'better, so the ratio column is ringcast ÷ peer of bytes: below 1 means ringcast ' +
    'uses less.',
  cases(options) {
    return [
      {
        id: 'object',
        title: 'RSS growth for 1,000,000 small objects',
        unit: 'bytes',
        higherIsBetter: false,
        chart: false,
        contenders: [RINGCAST_BINARY, RINGCAST_OBJECT, ...LOCAL_CONTENDERS, NO_RING],
        metrics: {
          heapBytes: 'JS heap growth (bytes)',
          externalBytes: 'external growth (bytes)',
          rssPerItem: 'RSS per item (B)',
          encodedPerItem: 'encoded item (B)',
        },
        rounds: options.quick ? 1 : 3,
      },
    ];
  },
  measure: measureMemory,
};
