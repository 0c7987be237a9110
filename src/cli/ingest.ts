/**
 * `ringcast ingest`: the main thread reads records and adds them to an embedded ring in
 * batches; consumer threads follow the ring and compute statistics. With overflow
 * `block` the producer gates on the slowest consumer's cursor, as a Disruptor producer
 * gates on its consumers' sequences, so no record is overwritten before every consumer has
 * read it.
 */
import { performance } from 'node:perf_hooks';

import { createClient, OverflowPolicy, type Client, type Ringbuffer } from '../index';
import { ConsumerPool } from './consumer-pool';
import type { ConsumerData } from './consumer';
import { IngestControl } from './control';
import { CliError, CliErrorCode } from './errors';
import type { IngestOptions, InputFormat, OverflowMode } from './ingest-options';
import { decodeText, openInput, sniffFormat, type InputSource, type ReadCounter } from './input';
import { readRecords, type InputRecord } from './records';
import { mergeShares, type FieldStats } from './stats';

/** Most items a consumer reads per readMany (capped by the capacity). */
const MAX_READ_BATCH = 1_000;
/** How long the producer sleeps per wait on a consumer cursor before checking again. */
const GATE_WAIT_MS = 100;
/** The producer gives up when the slowest consumer's cursor stays still this long. */
const STALL_TIMEOUT_MS = 30_000;

/** Per-consumer counts of one run. */
export interface ConsumerReport {
  consumed: number;
  lost: number;
}

/** The outcome of one run, which `--json` prints. */
export interface IngestReport {
  input: string;
  format: InputFormat;
  records: number;
  consumers: ConsumerReport[];
  /** Records per second over elapsedMs. */
  throughput: number;
  elapsedMs: number;
  ring: { name: string; capacity: number; overflow: OverflowMode; batchSize: number };
  stats: Record<string, FieldStats>;
}

/** Live counters of a run, sampled by the progress display. */
export interface IngestProgress {
  readonly startedAt: number;
  /** Input bytes read. */
  readonly bytes: ReadCounter;
  /** Input size in bytes, when known. */
  sizeBytes: number | undefined;
  /** Records added to the ring. */
  recordsAdded: number;
  /** Records every consumer has read (or lost), from the slowest cursor. */
  recordsDone(): number;
}

/**
 * Runs one ingest. `onStart` receives the live counters once the input is open.
 * @throws CliError for unreadable or invalid input and for consumer failures.
 */
export async function runIngest(
  options: IngestOptions,
  onStart: (progress: IngestProgress) => void = () => {},
): Promise<IngestReport> {
  const source = await openInput(options.input);
  const startedAt = performance.now();
  const progress: IngestProgress = {
    startedAt,
    bytes: { bytesRead: 0 },
    sizeBytes: source.sizeBytes,
    recordsAdded: 0,
    recordsDone: () => 0,
  };

  let client: Client | undefined;
  let pool: ConsumerPool | undefined;
  try {
    client = await createClient();
    let chunks = decodeText(source, progress.bytes);
    let format = options.format;
    if (format === undefined) {
      ({ format, chunks } = await sniffFormat(chunks));
    }

    const ring = await client.getRingbuffer<InputRecord | number>(options.ringName, {
      capacity: options.capacity,
    });
    const startSequence = (await ring.tailSequence()) + 1;
    const control = new IngestControl(options.consumers, startSequence);
    progress.recordsDone = () => {
      // The cursor passes the end-of-stream item too, which is not a record.
      const end = control.endSequence();
      const cursor = control.slowestCursor().cursor;
      return (end < 0 ? cursor : Math.min(cursor, end)) - startSequence;
    };

    const maxBatch = Math.min(options.capacity, MAX_READ_BATCH);
    pool = new ConsumerPool(
      (index): ConsumerData => ({
        index,
        consumers: options.consumers,
        ringName: options.ringName,
        capacity: options.capacity,
        startSequence,
        maxBatch,
        control: control.buffer,
      }),
      options.consumers,
    );
    onStart(progress);

    const producer = new Producer(ring, control, pool, options, startSequence);
    for await (const batch of readRecords(format, chunks, source.name, options.batchSize)) {
      await producer.add(batch);
      progress.recordsAdded += batch.length;
    }
    await producer.end();

    const results = await pool.results();
    const stats = mergeShares(results.map((result) => result.fields));
    const elapsedMs = performance.now() - startedAt;
    const records = progress.recordsAdded;
    return {
      input: source.name,
      format,
      records,
      consumers: results.map(({ consumed, lost }) => ({ consumed, lost })),
      throughput: elapsedMs > 0 ? Math.round(records / (elapsedMs / 1000)) : 0,
      elapsedMs: Math.round(elapsedMs * 10) / 10,
      ring: {
        name: options.ringName,
        capacity: options.capacity,
        overflow: options.overflow,
        batchSize: options.batchSize,
      },
      stats,
    };
  } finally {
    await pool?.close();
    await client?.shutdown();
    closeInput(source);
  }
}

function closeInput(source: InputSource): void {
  if (source.stream !== process.stdin) {
    source.stream.destroy();
  }
}

/** Adds batches to the ring; with overflow `block`, only when they fit behind the consumers. */
class Producer {
  readonly #ring: Ringbuffer<InputRecord | number>;
  readonly #control: IngestControl;
  readonly #pool: ConsumerPool;
  readonly #capacity: number;
  readonly #block: boolean;
  readonly #startSequence: number;
  /** The sequence the next added item gets; this thread is the ring's only writer. */
  #nextSequence: number;

  constructor(
    ring: Ringbuffer<InputRecord | number>,
    control: IngestControl,
    pool: ConsumerPool,
    options: IngestOptions,
    startSequence: number,
  ) {
    this.#ring = ring;
    this.#control = control;
    this.#pool = pool;
    this.#capacity = options.capacity;
    this.#block = options.overflow === 'block';
    this.#startSequence = startSequence;
    this.#nextSequence = startSequence;
  }

  async add(batch: InputRecord[]): Promise<void> {
    this.#pool.throwIfFailed();
    if (this.#block) {
      await this.#waitForRoom(batch.length);
    }
    await this.#ring.addAll(batch, OverflowPolicy.OVERWRITE);
    this.#nextSequence += batch.length;
  }

  /**
   * Publishes the end sequence, then adds the end-of-stream item (the record count, which
   * is not an object) so that consumers waiting in readMany wake up and stop.
   */
  async end(): Promise<void> {
    this.#pool.throwIfFailed();
    if (this.#block) {
      await this.#waitForRoom(1);
    }
    this.#control.setEndSequence(this.#nextSequence);
    await this.#ring.add(this.#nextSequence - this.#startSequence, OverflowPolicy.OVERWRITE);
    this.#nextSequence++;
  }

  /**
   * Waits until `count` more items fit without overwriting one that the slowest consumer
   * has not read: (last new sequence) - (slowest cursor) < capacity.
   */
  async #waitForRoom(count: number): Promise<void> {
    const lastSequence = this.#nextSequence + count - 1;
    let seenCursor = Number.NaN;
    let stalledSince = performance.now();

    for (;;) {
      this.#pool.throwIfFailed();
      const { consumer: slowest, cursor } = this.#control.slowestCursor();
      if (lastSequence - cursor < this.#capacity) {
        return;
      }
      if (cursor !== seenCursor) {
        seenCursor = cursor;
        stalledSince = performance.now();
      } else if (performance.now() - stalledSince > STALL_TIMEOUT_MS) {
        throw new CliError(
          CliErrorCode.CONSUMER_FAILED,
          `consumer ${slowest} read nothing for ${STALL_TIMEOUT_MS / 1000} s ` +
            `(its cursor stayed at sequence ${cursor})`,
        );
      }
      await this.#control.waitForCursorChange(slowest, cursor, GATE_WAIT_MS);
    }
  }
}
