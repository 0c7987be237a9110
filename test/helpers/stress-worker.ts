/**
 * Worker thread body for threads-stress.test.ts: one producer or consumer on the shared ring.
 *
 * Producers add items `{ p, n, b, k, pad, sum }`: producer p's n-th item, at index b of a
 * batch of k, with a random-length pad and a checksum over all of it. They report every
 * item's sequence and checksum. Consumers follow the ring from sequence 0 and check each
 * item as they read it. It must be whole, and its sequence must follow the previous one or
 * a gap that the cursor arithmetic reports as loss. Each producer's counters must grow along
 * the sequences, and batches must be contiguous. Consumers report what they read and how
 * much they lost.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { createClient, StaleSequenceError, TimeoutError } from '../../src/index';
import type { ReadResultSet, Ringbuffer } from '../../src/index';

/** A stored item; `sum` is stressChecksum() of the other fields. */
export interface StressItem {
  p: number;
  n: number;
  b: number;
  k: number;
  pad: string;
  sum: number;
}

export type ProducerKind = 'add' | 'addAll' | 'blockingAddAll';
export type ConsumerKind = 'asyncMany' | 'blockingMany' | 'blockingOne' | 'lagging';

export interface StressTask {
  role: 'producer' | 'consumer';
  kind: ProducerKind | ConsumerKind;
  /** Producer number, or consumer number. */
  index: number;
  ring: string;
  capacity: number;
  producers: number;
  /** Producers stop after this many items or at `produceUntil`, whichever comes first. */
  itemsPerProducer: number;
  /** Date.now() at which producers stop adding. */
  produceUntil: number;
  /** Date.now() after which a consumer gives up and reports a failure. */
  giveUpAt: number;
  /** [0]: start flag, [1]: producers finished. */
  flags: Int32Array;
}

export type StressReport =
  | { kind: 'ready' }
  | { kind: 'produced'; sequences: Float64Array; sums: Float64Array }
  | {
      kind: 'consumed';
      sequences: Float64Array;
      sums: Float64Array;
      lost: number;
      target: number;
      failures: string[];
    }
  | { kind: 'error'; message: string };

/** FNV-1a over the fields, as a uint32. */
export function stressChecksum(item: Omit<StressItem, 'sum'>): number {
  const text = `${item.p}:${item.n}:${item.b}:${item.k}:${item.pad}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a small seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function sleepMs(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** Growable list of numbers, sent as a Float64Array. */
class NumberList {
  #values = new Float64Array(1024);
  #length = 0;

  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  toArray(): Float64Array {
    return this.#values.slice(0, this.#length);
  }
}

async function produce(task: StressTask, ring: Ringbuffer<StressItem>): Promise<StressReport> {
  const next = random(0x5eed + task.index);
  const view = ring.blocking();
  const sequences = new NumberList();
  const sums = new NumberList();
  let n = 0;
  let lastSequence = -1;
  while (n < task.itemsPerProducer && Date.now() < task.produceUntil) {
    const planned = task.kind === 'add' ? 1 : 1 + Math.floor(next() * 8);
    const size = Math.min(planned, task.itemsPerProducer - n);
    const batch: StressItem[] = [];
    for (let b = 0; b < size; b++, n++) {
      const pad = 'x'.repeat(Math.floor(next() * 300));
      const fields = { p: task.index, n, b, k: size, pad };
      batch.push({ ...fields, sum: stressChecksum(fields) });
    }
    let last: number;
    if (task.kind === 'add') last = await ring.add(batch[0]);
    else if (task.kind === 'addAll') last = await ring.addAll(batch);
    else last = view.addAll(batch);
    if (last < lastSequence + batch.length) {
      throw new Error(`addAll returned ${last} after ${lastSequence} for ${batch.length} items`);
    }
    lastSequence = last;
    batch.forEach((item, i) => {
      sequences.push(last - batch.length + 1 + i);
      sums.push(item.sum);
    });
  }
  return { kind: 'produced', sequences: sequences.toArray(), sums: sums.toArray() };
}

/** Checks the items a consumer reads, in the order it reads them. */
class Checker {
  readonly failures: string[] = [];
  readonly sequences = new NumberList();
  readonly sums = new NumberList();
  lost = 0;
  #lastSequence = -1;
  #last: StressItem | undefined;
  /** Incremented on every loss; a producer's counters are exact while it is unchanged. */
  #lossEpoch = 0;
  readonly #lastN: number[];
  readonly #lastEpoch: number[];

  constructor(producers: number) {
    this.#lastN = new Array<number>(producers).fill(-1);
    this.#lastEpoch = new Array<number>(producers).fill(0);
  }

  fail(message: string): void {
    if (this.failures.length < 10) this.failures.push(message);
  }

  /** Accounts for `count` sequences that were overwritten before this consumer read them. */
  skip(count: number): void {
    if (count < 0) this.fail(`negative loss ${count} after sequence ${this.#lastSequence}`);
    if (count > 0) {
      this.lost += count;
      this.#lossEpoch++;
      this.#last = undefined;
      this.#lastSequence += count;
    }
  }

  check(sequence: number, item: StressItem): void {
    if (sequence !== this.#lastSequence + 1) {
      this.fail(`sequence ${sequence} follows ${this.#lastSequence} with no loss reported`);
    }
    const { sum, ...fields } = item;
    if (stressChecksum(fields) !== sum) this.fail(`item at ${sequence} is not whole`);
    const p = item.p;
    if (!(p >= 0 && p < this.#lastN.length)) {
      this.fail(`item at ${sequence} has producer ${p}`);
      return;
    }
    const exact = this.#lastEpoch[p] === this.#lossEpoch;
    if (exact ? item.n !== this.#lastN[p] + 1 : item.n <= this.#lastN[p]) {
      this.fail(`producer ${p}: n=${item.n} at ${sequence} after n=${this.#lastN[p]}`);
    }
    const previous = this.#last;
    if (previous !== undefined && (item.b > 0 || previous.b < previous.k - 1)) {
      const continues =
        previous.p === p && previous.b + 1 === item.b && previous.k === item.k;
      if (!continues) this.fail(`batch broken at ${sequence}`);
    }
    this.#lastN[p] = item.n;
    this.#lastEpoch[p] = this.#lossEpoch;
    this.#last = item;
    this.#lastSequence = sequence;
    this.sequences.push(sequence);
    this.sums.push(item.sum);
  }

  /**
   * Checks a readMany result read from `cursor` and returns the next cursor. Loss can show
   * anywhere in a result, not only before its first item: a result collects items over
   * several native reads, and the start is clamped to the head again before each. In total
   * it must be what the cursor arithmetic reports.
   */
  checkMany(cursor: number, result: ReadResultSet<StressItem>): number {
    const next = result.getNextSequenceToReadFrom();
    const readCount = result.getReadCount();
    if (result.size() !== readCount) this.fail(`size ${result.size()} != readCount ${readCount}`);
    let expected = cursor;
    let gaps = 0;
    for (let i = 0; i < result.size(); i++) {
      const sequence = result.getSequence(i)!;
      gaps += sequence - expected;
      this.skip(sequence - expected);
      this.check(sequence, result.get(i)!);
      expected = sequence + 1;
    }
    gaps += next - expected;
    this.skip(next - expected);
    if (gaps !== next - readCount - cursor) {
      this.fail(`gaps ${gaps} != next ${next} - readCount ${readCount} - cursor ${cursor}`);
    }
    return next;
  }
}

async function consume(task: StressTask, ring: Ringbuffer<StressItem>): Promise<StressReport> {
  const view = ring.blocking();
  const checker = new Checker(task.producers);
  let cursor = 0;
  let target = Infinity;
  const updateTarget = () => {
    // The tail read after every producer finished is final.
    if (target === Infinity && Atomics.load(task.flags, 1) === task.producers) {
      target = view.tailSequence() + 1;
    }
  };
  while (cursor < target) {
    if (Date.now() > task.giveUpAt) {
      checker.fail(`gave up at cursor ${cursor}, target ${target}`);
      break;
    }
    switch (task.kind as ConsumerKind) {
      case 'asyncMany': {
        try {
          const signal = AbortSignal.timeout(200);
          cursor = checker.checkMany(cursor, await ring.readMany(cursor, 1, 16, null, { signal }));
        } catch (error) {
          if ((error as Error).name !== 'AbortError') throw error;
        }
        break;
      }
      case 'blockingMany':
        cursor = checker.checkMany(cursor, view.readMany(cursor, 1, 16, null, 200));
        break;
      case 'lagging': {
        cursor = checker.checkMany(cursor, view.readMany(cursor, 1, 16, null, 200));
        // Falls behind on purpose: waits until its next item has been overwritten.
        while (view.tailSequence() - cursor < 2 * task.capacity && Date.now() < task.giveUpAt) {
          if (Atomics.load(task.flags, 1) === task.producers) break;
          sleepMs(1);
        }
        break;
      }
      case 'blockingOne':
        try {
          checker.check(cursor, view.readOne(cursor, 200));
          cursor++;
        } catch (error) {
          if (error instanceof StaleSequenceError) {
            checker.skip(error.headSequence - cursor);
            cursor = error.headSequence;
          } else if (!(error instanceof TimeoutError)) {
            throw error;
          }
        }
        break;
    }
    updateTarget();
  }
  return {
    kind: 'consumed',
    sequences: checker.sequences.toArray(),
    sums: checker.sums.toArray(),
    lost: checker.lost,
    target,
    failures: checker.failures,
  };
}

async function run(task: StressTask): Promise<void> {
  const client = await createClient();
  try {
    const ring = await client.getRingbuffer<StressItem>(task.ring, { capacity: task.capacity });
    parentPort!.postMessage({ kind: 'ready' } satisfies StressReport);
    // Blocking is fine in a worker; the timeout bounds a start that never comes.
    Atomics.wait(task.flags, 0, 0, 20_000);
    let report: StressReport;
    if (task.role === 'producer') {
      report = await produce(task, ring);
      Atomics.add(task.flags, 1, 1);
    } else {
      report = await consume(task, ring);
    }
    parentPort!.postMessage(report);
  } catch (error) {
    if (task.role === 'producer') Atomics.add(task.flags, 1, 1);
    parentPort!.postMessage({ kind: 'error', message: String(error) } satisfies StressReport);
  } finally {
    await client.shutdown();
  }
}

void run(workerData as StressTask);
