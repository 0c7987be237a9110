/**
 * Workload 4: a producer worker adds items one at a time while the main thread consumes
 * them. Reports items/s and the latency from add to consume.
 */
import { once } from 'node:events';
import path from 'node:path';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';

import { quantile, type MeasureSpec, type Measurement, type Scenario } from '../harness';
import { SHAPE_LABELS, toucher, type Item, type Shape } from '../items';
import { decodeItem } from '../peers/bytes';
import { NatsStreamPeer } from '../peers/nats';
import { RedisStreamPeer } from '../peers/redis';
import { FramedRing } from '../peers/ringbuf';
import { openRingcast } from '../subjects';
import type { ProducerReport, ProducerTask } from '../workers/producer';
import { startTsWorker } from '../workers/start';
import { nowNs, Tally } from '../workers/tally';
import {
  CAPACITY,
  caseShape,
  MAX_ITEM_BYTES,
  NATS,
  planShapes,
  POST_MESSAGE,
  REDIS,
  RINGBUF_JS,
  RINGCAST_BINARY,
  serverAddress,
} from './common';

const PRODUCER_SCRIPT = path.join(__dirname, '..', 'workers', 'producer.ts');
/** maxCount of ringcast's readMany and COUNT of Redis's XREAD. */
const READ_MAX = 100;
/** Pace of the latency case: one add every 500 us, 2,000 items/s. */
const LATENCY_INTERVAL_NS = 500_000;
const REDIS_BLOCK_MS = 100;
const NATS_IDLE_CHECK_MS = 100;
/** Time the consumer keeps reading after the producer's deadline before it gives up. */
const DRAIN_GRACE_MS = 3000;

type Mode = 'throughput' | 'latency';

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

/** Item counts and time limits of one run; the server peers get fewer items. */
function planRun(spec: MeasureSpec, mode: Mode): { count: number; deadlineMs: number } {
  const server = spec.contenderId === REDIS.id || spec.contenderId === NATS.id;
  if (mode === 'latency') return { count: spec.quick ? 1000 : 4000, deadlineMs: 10_000 };
  if (server) return { count: spec.quick ? 2000 : 10_000, deadlineMs: spec.quick ? 5000 : 15_000 };
  return { count: spec.quick ? 100_000 : 400_000, deadlineMs: spec.quick ? 5000 : 15_000 };
}

/** State shared by a consumer loop and the producer's reports. */
interface Run {
  tally: Tally;
  /** Items the producer added; known once it reports `done`. */
  sent: number | undefined;
  /** Aborted when the producer is done or the time is up. */
  stop: AbortController;
  deadlineNs: number;
}

function finished(run: Run): boolean {
  if (nowNs() > run.deadlineNs) return true;
  return run.sent !== undefined && run.tally.highest + 1 >= run.sent;
}

interface Consumer {
  /** Fields of the producer's task that connect it to this consumer's ring. */
  task: Partial<ProducerTask>;
  transfer?: MessagePort[];
  consume(run: Run): Promise<void>;
  close(): Promise<void>;
}

async function openConsumer(
  spec: MeasureSpec,
  shape: Shape,
  signal: Int32Array,
): Promise<Consumer> {
  const id = spec.contenderId;
  if (id === RINGCAST_BINARY.id) {
    const ringName = `bench-pc-${process.pid}-${nowNs()}`;
    const { client, ring } = await openRingcast<Item>('BINARY', CAPACITY, ringName);
    return {
      task: { ringName, capacity: CAPACITY },
      async consume(run) {
        let cursor = 0;
        for (;;) {
          const draining = run.stop.signal.aborted;
          let result;
          try {
            result = draining
              ? await ring.readMany(cursor, 0, READ_MAX)
              : await ring.readMany(cursor, 1, READ_MAX, null, { signal: run.stop.signal });
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
  if (id === RINGBUF_JS.id) {
    const storage = FramedRing.allocate(CAPACITY * MAX_ITEM_BYTES);
    const ring = new FramedRing(storage, shape, MAX_ITEM_BYTES, MAX_ITEM_BYTES);
    return {
      task: { ringbufStorage: storage, maxItemBytes: MAX_ITEM_BYTES },
      async consume(run) {
        let popped = 0;
        for (;;) {
          const item = ring.pop();
          if (item !== undefined) {
            run.tally.record(popped++, item);
            continue;
          }
          if (finished(run)) return;
          // signal[0] counts pushed frames: wait until it moves past what was popped.
          const wait = waitAsync(signal, 0, popped, 50);
          if (wait.async) await wait.value;
        }
      },
      close: async () => {},
    };
  }
  if (id === POST_MESSAGE.id) {
    const { port1, port2 } = new MessageChannel();
    let index = 0;
    return {
      task: { itemPort: port2 },
      transfer: [port2],
      async consume(run) {
        const done = new Promise<void>((resolve) => {
          port1.on('message', (item: unknown) => {
            run.tally.record(index++, item);
            if (finished(run)) resolve();
          });
          run.stop.signal.addEventListener('abort', () => {
            const timer = setInterval(() => {
              if (finished(run)) {
                clearInterval(timer);
                resolve();
              }
            }, 10);
          });
        });
        await done;
      },
      close: async () => port1.close(),
    };
  }
  if (id === REDIS.id) {
    const peer = await RedisStreamPeer.open(serverAddress(spec, 'redis'), shape, CAPACITY);
    return {
      task: { server: serverAddress(spec, 'redis'), redisKey: peer.key, capacity: CAPACITY },
      async consume(run) {
        let lastId = '0-0';
        while (!finished(run)) {
          const reply = await peer.client.xreadBuffer(
            'COUNT',
            READ_MAX,
            'BLOCK',
            REDIS_BLOCK_MS,
            'STREAMS',
            peer.key,
            lastId,
          );
          if (reply === null) continue;
          for (const [, entries] of reply as [Buffer, [Buffer, Buffer[]][]][]) {
            for (const [entryId, fields] of entries) {
              lastId = entryId.toString();
              const sequence = Number(lastId.slice(lastId.indexOf('-') + 1)) - 1;
              run.tally.record(sequence, decodeItem(shape, fields[1]));
            }
          }
        }
      },
      close: () => peer.close(),
    };
  }
  if (id === NATS.id) {
    const peer = await NatsStreamPeer.open(serverAddress(spec, 'nats'), shape, CAPACITY);
    return {
      task: {
        server: serverAddress(spec, 'nats'),
        natsStream: peer.stream,
        natsSubject: peer.subject,
      },
      async consume(run) {
        const consumer = await peer.client.consumers.get(peer.stream);
        const messages = await consumer.consume({ max_messages: READ_MAX });
        const idleCheck = setInterval(() => {
          if (finished(run)) void messages.close();
        }, NATS_IDLE_CHECK_MS);
        try {
          for await (const message of messages) {
            run.tally.record(message.seq - 1, decodeItem(shape, message.data));
            if (finished(run)) break;
          }
        } finally {
          clearInterval(idleCheck);
        }
      },
      close: () => peer.close(),
    };
  }
  throw new Error(`unknown contender ${id}`);
}

/** Runs one producer -> consumer pass and returns what the consumer saw. */
async function runPass(
  spec: MeasureSpec,
  shape: Shape,
  mode: Mode,
  count: number,
  deadlineMs: number,
) {
  const stamps = new Float64Array(new SharedArrayBuffer(8 * count));
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const consumer = await openConsumer(spec, shape, signal);
  const task: ProducerTask = {
    contender: spec.contenderId as ProducerTask['contender'],
    shape,
    count,
    intervalNs: mode === 'latency' ? LATENCY_INTERVAL_NS : 0,
    deadlineMs,
    stamps,
    signal,
    ...consumer.task,
  };
  const worker: Worker = startTsWorker(PRODUCER_SCRIPT, task, consumer.transfer ?? []);
  const reports: ProducerReport[] = [];
  let reportArrived: () => void = () => {};
  worker.on('message', (report: ProducerReport) => {
    reports.push(report);
    reportArrived();
  });
  worker.on('error', (error) => {
    reports.push({ type: 'error', message: error.message });
    reportArrived();
  });
  const nextReport = async (): Promise<ProducerReport> => {
    while (reports.length === 0) await new Promise<void>((resolve) => (reportArrived = resolve));
    return reports.shift()!;
  };

  try {
    const ready = await nextReport();
    if (ready.type !== 'ready') throw new Error(`producer failed: ${JSON.stringify(ready)}`);
    const run: Run = {
      tally: new Tally(stamps, new Float64Array(count), toucher(shape), 0),
      sent: undefined,
      stop: new AbortController(),
      deadlineNs: nowNs() + (deadlineMs + DRAIN_GRACE_MS) * 1e6,
    };
    const deadlineTimer = setTimeout(() => run.stop.abort(), deadlineMs + DRAIN_GRACE_MS);
    const producerDone = nextReport().then((report) => {
      if (report.type === 'done') run.sent = report.sent;
      else run.stop.abort();
      run.stop.abort();
      return report;
    });
    const startNs = nowNs();
    worker.postMessage('start');
    await consumer.consume(run);
    clearTimeout(deadlineTimer);
    const report = await producerDone;
    if (report.type !== 'done') throw new Error(`producer failed: ${JSON.stringify(report)}`);
    return { tally: run.tally, sent: report.sent, startNs };
  } finally {
    await worker.terminate();
    await consumer.close();
  }
}

async function measurePipeline(spec: MeasureSpec): Promise<Measurement> {
  const [modeName] = spec.caseId.split(':').slice(1);
  const mode: Mode = modeName === 'latency' ? 'latency' : 'throughput';
  const shape = caseShape(spec);
  const { count, deadlineMs } = planRun(spec, mode);
  // A shorter pass first warms up the JIT, the connections and the threads.
  await runPass(spec, shape, mode, Math.max(100, Math.floor(count / 10)), deadlineMs);
  const windowStart = Number(process.hrtime.bigint() / 1000n);
  const { tally, sent, startNs } = await runPass(spec, shape, mode, count, deadlineMs);
  const windowEnd = Number(process.hrtime.bigint() / 1000n);
  if (tally.measured === 0) throw new Error(`the consumer received none of ${sent} items`);

  const latencies = Array.from(tally.latenciesNs.subarray(0, tally.measured));
  const p50Us = quantile(latencies, 0.5) / 1000;
  const p99Us = quantile(latencies, 0.99) / 1000;
  const throughput = tally.measured / ((tally.lastNs - startNs) / 1e9);
  return {
    value: mode === 'latency' ? p50Us : throughput,
    samples: [],
    metrics: {
      itemsPerSecond: throughput,
      p50Us,
      p99Us,
      lost: sent - tally.measured,
    },
    windowMicros: [windowStart, windowEnd],
  };
}

const CONTENDERS = [RINGCAST_BINARY, RINGBUF_JS, POST_MESSAGE, REDIS, NATS];

export const scenario: Scenario = {
  id: 'producer-consumer',
  title: '4. Producer worker -> consumer',
  description:
    'A worker thread adds items one at a time (awaiting each add where the API is ' +
    'asynchronous) while the main thread consumes them. ringcast: the worker awaits ' +
    '`add` on a BINARY ring of 10,000 and the main thread awaits `readMany(cursor, 1, 100)`. ' +
    'ringbuf.js: the worker pushes length-prefixed frames and bumps a shared counter; the ' +
    'main thread pops and waits on the counter with `Atomics.waitAsync`. postMessage: ' +
    'one message per item over a MessageChannel. Redis: XADD per item, XREAD BLOCK with ' +
    'COUNT 100. NATS: awaited publish per item, an ordered consumer on the main thread. ' +
    'Latency is the time from just before the add to the moment the consumer has the ' +
    'decoded item, on one monotonic clock. The throughput case adds as fast as it can, ' +
    'so its latencies include queueing; the latency case paces the producer at 2,000 ' +
    'items/s. Each measurement first runs a pass of a tenth of the items as warm-up. ' +
    'ringcast OBJECT rings cannot be shared with a worker, so they are not in this table.',
  cases(options) {
    const throughputCases = planShapes(options).map((shape) => ({
      id: `${shape}:throughput`,
      title: `Producer -> consumer throughput: ${SHAPE_LABELS[shape]}`,
      unit: 'items/s',
      higherIsBetter: true,
      chart: true,
      contenders: CONTENDERS,
      metrics: { p50Us: 'p50 latency (us)', p99Us: 'p99 latency (us)', lost: 'items lost' },
    }));
    const latencyCase = {
      id: 'object:latency',
      title: `Producer -> consumer latency at 2,000 items/s: ${SHAPE_LABELS.object}`,
      unit: 'us (p50)',
      higherIsBetter: false,
      chart: false,
      contenders: CONTENDERS,
      metrics: { p99Us: 'p99 latency (us)', lost: 'items lost' },
    };
    return [...throughputCases, latencyCase];
  },
  measure: measurePipeline,
};
