/**
 * Workload 4b: a producer worker adds 100-byte strings through ringcast's blocking view, one
 * at a time or 100 per addAll. A consumer reads them with awaited reads on the main thread or
 * with blocking reads in a second worker. Reports items/s, the latency from add to consume
 * and the items lost, beside ringbuf.js and postMessage.
 */
import path from 'node:path';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';

import {
  quantile,
  type ContenderSpec,
  type MeasureSpec,
  type Measurement,
  type Scenario,
} from '../harness';
import { makeString, SHAPE_LABELS, toucher, type Item } from '../items';
import { FramedRing } from '../peers/ringbuf';
import { openRingcast } from '../subjects';
import type { ConsumerReport, ConsumerTask } from '../workers/consumer';
import type { ProducerReport, ProducerTask } from '../workers/producer';
import { startTsWorker } from '../workers/start';
import {
  CONTROL_LENGTH,
  CONTROL_SENT,
  CONTROL_STOP,
  nowNs,
  Tally,
  type TallySummary,
} from '../workers/tally';
import {
  CAPACITY,
  MAX_ITEM_BYTES,
  POST_MESSAGE,
  RINGBUF_JS,
  RINGCAST_BINARY_BLOCKING,
} from './common';

const PRODUCER_SCRIPT = path.join(__dirname, '..', 'workers', 'producer.ts');
const CONSUMER_SCRIPT = path.join(__dirname, '..', 'workers', 'consumer.ts');
const SHAPE = 'string';
const ITEM_BYTES = Buffer.byteLength(makeString(0));
/** maxCount of ringcast's readMany, and the items of one addAll in the batch case. */
const READ_MAX = 100;
const BATCH = 100;
/** Pace of the latency case: one add every 500 us, 2,000 items/s. */
const LATENCY_INTERVAL_NS = 500_000;
/** Maximum single wait of a consumer, in ms, before it checks whether to stop. */
const WAIT_MS = 100;
/** Time the consumer keeps reading after the producer's deadline before it gives up. */
const DRAIN_GRACE_MS = 3000;
/** Time a worker has to report after the run's deadline before the pass fails. */
const REPORT_GRACE_MS = 10_000;
/** Bound on the read attempts of a main-thread consumer. The deadline ends a run first. */
const MAX_ATTEMPTS = 1e9;

/** The producer in each ringcast contender adds through `ring.blocking()`. */
const RINGCAST_TO_MAIN: ContenderSpec = {
  ...RINGCAST_BINARY_BLOCKING,
  id: 'ringcast-binary-blocking:main',
  label: 'ringcast, blocking add -> awaited readMany on main',
};
const RINGCAST_TO_WORKER: ContenderSpec = {
  ...RINGCAST_BINARY_BLOCKING,
  id: 'ringcast-binary-blocking:worker',
  label: 'ringcast, blocking add -> blocking readMany in a worker',
};
const RINGBUF_TO_WORKER: ContenderSpec = {
  ...RINGBUF_JS,
  id: 'ringbuf.js:worker',
  label: 'ringbuf.js -> Atomics.wait in a worker',
};
const RINGBUF_TO_MAIN: ContenderSpec = {
  ...RINGBUF_JS,
  id: 'ringbuf.js:main',
  label: 'ringbuf.js -> Atomics.waitAsync on main',
};
const POST_MESSAGE_TO_MAIN: ContenderSpec = {
  ...POST_MESSAGE,
  label: 'postMessage to main',
};

const CONTENDERS = [
  RINGCAST_TO_MAIN,
  RINGCAST_TO_WORKER,
  RINGBUF_TO_WORKER,
  RINGBUF_TO_MAIN,
  POST_MESSAGE_TO_MAIN,
];

type Transport = 'ringcast' | 'ringbuf.js' | 'postMessage';

/** The ring each contender uses and the thread its consumer runs on. */
const PLACEMENTS: Record<string, { transport: Transport; inWorker: boolean }> = {
  [RINGCAST_TO_MAIN.id]: { transport: 'ringcast', inWorker: false },
  [RINGCAST_TO_WORKER.id]: { transport: 'ringcast', inWorker: true },
  [RINGBUF_TO_WORKER.id]: { transport: 'ringbuf.js', inWorker: true },
  [RINGBUF_TO_MAIN.id]: { transport: 'ringbuf.js', inWorker: false },
  [POST_MESSAGE_TO_MAIN.id]: { transport: 'postMessage', inWorker: false },
};

/** Items per add call, producer pace, item counts and time limit of one case. */
interface Plan {
  batch: number;
  intervalNs: number;
  /** Measured items, after the warm-up items. */
  count: number;
  /** Items added first, to warm up every thread, and left out of the figures. */
  warmupItems: number;
  deadlineMs: number;
}

function planCase(spec: MeasureSpec): Plan {
  const deadlineMs = spec.quick ? 5000 : 15_000;
  const plan = (batch: number, intervalNs: number, count: number, deadline = deadlineMs) => ({
    batch,
    intervalNs,
    count,
    // A tenth more, rounded to whole batches, so that measured items start a batch.
    warmupItems: Math.ceil(count / 10 / batch) * batch,
    deadlineMs: deadline,
  });
  if (spec.caseId === 'single') return plan(1, 0, spec.quick ? 200_000 : 1_000_000);
  if (spec.caseId === 'batch-100') return plan(BATCH, 0, spec.quick ? 500_000 : 2_000_000);
  if (spec.caseId === 'latency') {
    return plan(1, LATENCY_INTERVAL_NS, spec.quick ? 1000 : 4000, 10_000);
  }
  throw new Error(`unknown case ${spec.caseId}`);
}

/** Atomics.waitAsync (Node.js 16+), which the ES2022 library types lack. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeoutMs: number,
    ): { async: boolean; value: Promise<string> | string };
  }
).waitAsync.bind(Atomics);

/** State that a main-thread consumer shares with the producer's reports. */
interface Run {
  tally: Tally;
  /** Layout in ../workers/tally: the producer's item count once known, and a stop flag. */
  control: Int32Array;
  /** Aborted when the producer is done, has failed, or the time is up. */
  stop: AbortSignal;
  deadlineNs: number;
}

function finished(run: Run): boolean {
  if (Atomics.load(run.control, CONTROL_STOP) === 1 || nowNs() > run.deadlineNs) return true;
  return run.tally.hasLast(Atomics.load(run.control, CONTROL_SENT));
}

/** The ring of one pass, as the producer, a worker consumer and the main thread see it. */
interface Endpoint {
  /** Fields of the producer's task that connect it to the ring. */
  producerTask: Partial<ProducerTask>;
  /** Fields of the consumer worker's task, or undefined when the consumer runs on main. */
  consumerTask?: Partial<ConsumerTask>;
  transfer: MessagePort[];
  /** Consumes on the main thread until `finished(run)`. */
  consume(run: Run): Promise<void>;
  close(): Promise<void>;
}

async function openRingcastEndpoint(inWorker: boolean): Promise<Endpoint> {
  const ringName = `bench-threads-${process.pid}-${nowNs()}`;
  // The main thread keeps the ring open for the whole pass, whichever threads use it.
  const { client, ring } = await openRingcast<Item>('BINARY', CAPACITY, ringName);
  return {
    producerTask: { ringName, capacity: CAPACITY },
    consumerTask: inWorker ? { ringName, capacity: CAPACITY } : undefined,
    transfer: [],
    async consume(run) {
      let cursor = 0;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const draining = run.stop.aborted;
        let result;
        try {
          result = draining
            ? await ring.readMany(cursor, 0, READ_MAX)
            : await ring.readMany(cursor, 1, READ_MAX, null, { signal: run.stop });
        } catch (error) {
          if ((error as Error).name === 'AbortError') continue;
          throw error;
        }
        for (let k = 0; k < result.size(); k++) {
          run.tally.record(result.getSequence(k)!, result.get(k));
        }
        cursor = result.getNextSequenceToReadFrom();
        if (finished(run) || (draining && result.getReadCount() === 0)) return;
      }
    },
    close: () => client.shutdown(),
  };
}

function openRingbufEndpoint(inWorker: boolean, batch: number, signal: Int32Array): Endpoint {
  // Room for CAPACITY items, as many as the ringcast ring keeps.
  const storage = FramedRing.allocateFrames(CAPACITY, ITEM_BYTES);
  const popBatches = batch > 1;
  return {
    producerTask: { ringbufStorage: storage, maxItemBytes: MAX_ITEM_BYTES },
    consumerTask: inWorker
      ? { ringbufStorage: storage, maxItemBytes: MAX_ITEM_BYTES, popBatches }
      : undefined,
    transfer: [],
    async consume(run) {
      const ring = new FramedRing(storage, SHAPE, MAX_ITEM_BYTES, MAX_ITEM_BYTES);
      let popped = 0;
      const onItem = (item: Item) => run.tally.record(popped++, item);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (popBatches) {
          if (ring.popBatch(onItem) > 0) continue;
        } else {
          const item = ring.pop();
          if (item !== undefined) {
            onItem(item);
            continue;
          }
        }
        if (finished(run)) return;
        // signal[0] counts pushed frames: wait until it moves past what was popped.
        const wait = waitAsync(signal, 0, popped, WAIT_MS);
        if (wait.async) await wait.value;
      }
    },
    close: async () => {},
  };
}

function openPostMessageEndpoint(): Endpoint {
  const { port1, port2 } = new MessageChannel();
  return {
    producerTask: { itemPort: port2 },
    transfer: [port2],
    consume(run) {
      let index = 0;
      return new Promise<void>((resolve) => {
        let poll: NodeJS.Timeout | undefined;
        const check = () => {
          if (!finished(run)) return;
          clearInterval(poll);
          port1.removeAllListeners('message');
          resolve();
        };
        port1.on('message', (message: unknown) => {
          if (Array.isArray(message)) {
            for (const item of message) run.tally.record(index++, item);
          } else {
            run.tally.record(index++, message);
          }
          check();
        });
        // The producer's report and its last items arrive on different ports, in either
        // order, so once it is done the consumer also checks on a timer.
        run.stop.addEventListener('abort', () => {
          poll = setInterval(check, 10);
        });
      });
    },
    close: async () => port1.close(),
  };
}

/** Reports of one worker, taken in order, with a time limit on each. */
class Reports<R extends { type: string }> {
  private readonly queue: (R | { type: 'error'; message: string })[] = [];
  private waiter: (() => void) | undefined;

  constructor(worker: Worker, name: string) {
    worker.on('message', (report: R) => this.push(report));
    worker.on('error', (error) => this.push({ type: 'error', message: `${name}: ${error}` }));
    worker.on('exit', (code) => this.push({ type: 'error', message: `${name} exited (${code})` }));
  }

  private push(report: R | { type: 'error'; message: string }): void {
    this.queue.push(report);
    this.waiter?.();
  }

  /** Returns the next report. Throws when it is not of type `type` or does not come in time. */
  async expect<T extends R['type']>(type: T, timeoutMs: number): Promise<Extract<R, { type: T }>> {
    if (this.queue.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          reject(new Error(`timed out after ${timeoutMs} ms waiting for a ${type} report`));
        }, timeoutMs);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
    const report = this.queue.shift()!;
    if (report.type !== type) {
      throw new Error(`expected a ${type} report, got ${JSON.stringify(report)}`);
    }
    return report as Extract<R, { type: T }>;
  }
}

interface PassResult extends TallySummary {
  /** Items the producer added, the warm-up included. */
  sent: number;
  latenciesNs: Float64Array;
}

/**
 * Runs one producer -> consumer pass of the warm-up and the measured items, and returns what
 * the consumer saw of the measured ones.
 */
async function runPass(spec: MeasureSpec, plan: Plan): Promise<PassResult> {
  const { transport, inWorker } = PLACEMENTS[spec.contenderId];
  const count = plan.warmupItems + plan.count;
  const stamps = new Float64Array(new SharedArrayBuffer(8 * count));
  const latenciesNs = new Float64Array(new SharedArrayBuffer(8 * count));
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_LENGTH));
  control[CONTROL_SENT] = -1;
  const endpoint =
    transport === 'ringcast'
      ? await openRingcastEndpoint(inWorker)
      : transport === 'ringbuf.js'
        ? openRingbufEndpoint(inWorker, plan.batch, signal)
        : openPostMessageEndpoint();

  const producerTask: ProducerTask = {
    contender: transport === 'ringcast' ? 'ringcast-binary-blocking' : transport,
    shape: SHAPE,
    count,
    batch: plan.batch,
    intervalNs: plan.intervalNs,
    deadlineMs: plan.deadlineMs,
    stamps,
    signal,
    ...endpoint.producerTask,
  };
  const workers: Worker[] = [];
  try {
    const producer = startTsWorker(PRODUCER_SCRIPT, producerTask, endpoint.transfer);
    workers.push(producer);
    const producerReports = new Reports<ProducerReport>(producer, 'producer');
    let consumerReports: Reports<ConsumerReport> | undefined;
    if (endpoint.consumerTask !== undefined) {
      const consumerTask: ConsumerTask = {
        contender: transport === 'ringcast' ? 'ringcast-binary-blocking' : 'ringbuf.js',
        shape: SHAPE,
        popBatches: false,
        readMax: READ_MAX,
        waitMs: WAIT_MS,
        deadlineMs: plan.deadlineMs + DRAIN_GRACE_MS,
        stamps,
        warmupItems: plan.warmupItems,
        latencies: latenciesNs,
        control,
        signal,
        ...endpoint.consumerTask,
      };
      const consumer = startTsWorker(CONSUMER_SCRIPT, consumerTask);
      workers.push(consumer);
      consumerReports = new Reports<ConsumerReport>(consumer, 'consumer');
    }
    const startupMs = plan.deadlineMs + REPORT_GRACE_MS;
    await producerReports.expect('ready', startupMs);
    await consumerReports?.expect('ready', startupMs);

    const runMs = plan.deadlineMs + DRAIN_GRACE_MS;
    const stop = new AbortController();
    const stopAll = () => {
      Atomics.store(control, CONTROL_STOP, 1);
      stop.abort();
    };
    const deadlineTimer = setTimeout(stopAll, runMs);
    const producerDone = producerReports.expect('done', runMs + REPORT_GRACE_MS).then(
      (report) => {
        Atomics.store(control, CONTROL_SENT, report.sent);
        stop.abort();
        return report.sent;
      },
      (error: unknown) => {
        stopAll();
        throw error;
      },
    );
    // Awaited below. This handler keeps a failure that comes during the consume from being
    // reported as unhandled.
    producerDone.catch(() => {});

    const deadlineNs = nowNs() + runMs * 1e6;
    producer.postMessage('start');
    let summary: TallySummary;
    if (consumerReports !== undefined) {
      summary = await consumerReports.expect('done', runMs + REPORT_GRACE_MS);
    } else {
      const tally = new Tally(stamps, latenciesNs, toucher(SHAPE), plan.warmupItems);
      await endpoint.consume({ tally, control, stop: stop.signal, deadlineNs });
      summary = tally.summary();
    }
    clearTimeout(deadlineTimer);
    const sent = await producerDone;
    return { ...summary, sent, latenciesNs };
  } finally {
    for (const worker of workers) await worker.terminate();
    await endpoint.close();
  }
}

async function measureThreads(spec: MeasureSpec): Promise<Measurement> {
  const plan = planCase(spec);
  const windowStart = Number(process.hrtime.bigint() / 1000n);
  const { measured, firstNs, lastNs, sent, latenciesNs } = await runPass(spec, plan);
  const windowEnd = Number(process.hrtime.bigint() / 1000n);
  if (measured < 2) {
    throw new Error(`the consumer received ${measured} of the ${sent - plan.warmupItems} items`);
  }

  const latencies = Array.from(latenciesNs.subarray(0, measured));
  const p50Us = quantile(latencies, 0.5) / 1000;
  const p99Us = quantile(latencies, 0.99) / 1000;
  // The rate between the first and the last measured item, so the first one is not counted.
  const throughput = (measured - 1) / ((lastNs - firstNs) / 1e9);
  const lost = Math.max(0, sent - plan.warmupItems) - measured;
  return {
    value: spec.caseId === 'latency' ? p50Us : throughput,
    samples: [],
    metrics: { itemsPerSecond: throughput, p50Us, p99Us, lost },
    windowMicros: [windowStart, windowEnd],
  };
}

const LATENCY_METRICS = { p99Us: 'p99 latency (us)', lost: 'items lost' };
const THROUGHPUT_METRICS = { p50Us: 'p50 latency (us)', ...LATENCY_METRICS };

export const scenario: Scenario = {
  id: 'threads',
  title: '4b. Cross-thread producer -> consumer through the blocking view',
  description:
    `A producer worker adds ${SHAPE_LABELS[SHAPE]}s while a consumer reads them, either ` +
    'on the main thread with awaited reads or in a second worker with blocking reads. ' +
    'ringcast: the producer calls `ring.blocking().add` (single items) or `addAll` of 100 ' +
    '(batches) on a BINARY ring of 10,000; the consumer awaits `readMany(cursor, 1, 100)` ' +
    'on the main thread, or calls `blocking().readMany(cursor, 1, 100, null, 100)` in a ' +
    'worker. ringbuf.js: the producer pushes one length-prefixed frame per push, or 100 ' +
    'frames per push for batches, into a ring with room for 10,000 items, and bumps a ' +
    'shared counter; the consumer pops one frame per pop (single items) or every readable ' +
    'byte per pop (batches) and waits on the counter with `Atomics.wait` in a worker or ' +
    '`Atomics.waitAsync` on the main thread. ringbuf.js never overwrites, so its producer ' +
    'waits when the ring is full; ringcast overwrites the oldest items, and a consumer that ' +
    'falls behind loses them (the "items lost" column). postMessage: one message per item, ' +
    'or an array of 100 per message, to the main thread. Items/s is counted at the ' +
    'consumer, from the first to the last measured item consumed. Latency is the time ' +
    'from just before the add to the moment the consumer has the decoded item, on one ' +
    'monotonic clock; the throughput cases add as fast as they can, so their latencies ' +
    'include queueing, and the latency case paces the producer at 2,000 items/s. Each ' +
    'pass starts with a tenth more items that warm up all three threads and are left out ' +
    'of every figure.',
  cases() {
    return [
      {
        id: 'single',
        title: `Cross-thread single items: ${SHAPE_LABELS[SHAPE]}`,
        unit: 'items/s',
        higherIsBetter: true,
        chart: true,
        contenders: CONTENDERS,
        metrics: THROUGHPUT_METRICS,
      },
      {
        id: 'batch-100',
        title: `Cross-thread batches of 100: ${SHAPE_LABELS[SHAPE]}`,
        unit: 'items/s',
        higherIsBetter: true,
        chart: true,
        contenders: CONTENDERS,
        metrics: THROUGHPUT_METRICS,
      },
      {
        id: 'latency',
        title: `Cross-thread wake-up latency at 2,000 items/s: ${SHAPE_LABELS[SHAPE]}`,
        unit: 'us (p50)',
        higherIsBetter: false,
        chart: false,
        contenders: CONTENDERS,
        metrics: LATENCY_METRICS,
      },
    ];
  },
  measure: measureThreads,
};
