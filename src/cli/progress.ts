/**
 * Progress of `ringcast ingest` on stderr. On a terminal it is one bar, redrawn up to ten
 * times a second and erased at the end. Elsewhere (CI logs, files) it is one plain line
 * every 10 seconds, so a run of a few seconds prints none and a long one a few.
 */
import { performance } from 'node:perf_hooks';

import type { IngestProgress } from './ingest';
import { formatInteger } from './report';

const BAR_INTERVAL_MS = 100;
/** Runs shorter than this never show the bar, so quick runs do not flicker. */
const BAR_DELAY_MS = 300;
const LINE_INTERVAL_MS = 10_000;
const BAR_WIDTH = 24;

/** The stream the progress display writes to: process.stderr or one with its shape. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

export class ProgressDisplay {
  readonly #stream: ProgressStream;
  readonly #progress: IngestProgress;
  readonly #timer: NodeJS.Timeout;
  #drawn = false;

  constructor(stream: ProgressStream, progress: IngestProgress) {
    this.#stream = stream;
    this.#progress = progress;
    const interval = stream.isTTY === true ? BAR_INTERVAL_MS : LINE_INTERVAL_MS;
    this.#timer = setInterval(() => this.#update(), interval);
    this.#timer.unref();
  }

  /** Stops updating and erases the bar. */
  stop(): void {
    clearInterval(this.#timer);
    if (this.#drawn) {
      this.#stream.write('\r\x1b[K');
      this.#drawn = false;
    }
  }

  #update(): void {
    const elapsedMs = performance.now() - this.#progress.startedAt;
    if (this.#stream.isTTY !== true) {
      this.#stream.write(`ringcast ingest: ${this.#describe(elapsedMs)}\n`);
      return;
    }
    if (elapsedMs < BAR_DELAY_MS) {
      return;
    }
    const fraction = this.#fraction();
    const bar =
      fraction === undefined
        ? ''
        : `[${'#'.repeat(Math.round(fraction * BAR_WIDTH)).padEnd(BAR_WIDTH, '-')}] `;
    let line = `${bar}${this.#describe(elapsedMs)}`;
    const columns = this.#stream.columns ?? 80;
    if (line.length >= columns) {
      line = line.slice(0, columns - 1);
    }
    this.#stream.write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  #describe(elapsedMs: number): string {
    const done = Math.max(0, this.#progress.recordsDone());
    const rate = elapsedMs > 0 ? Math.round(done / (elapsedMs / 1000)) : 0;
    const fraction = this.#fraction();
    const percent = fraction === undefined ? '' : `${Math.floor(fraction * 100)}% of input, `;
    return `${percent}${formatInteger(done)} records read, ${formatInteger(rate)} records/s`;
  }

  /** The share of the input read so far, when its size is known. */
  #fraction(): number | undefined {
    const size = this.#progress.sizeBytes;
    if (size === undefined || size === 0) {
      return undefined;
    }
    return Math.min(1, this.#progress.bytes.bytesRead / size);
  }
}
