/**
 * Consumer bookkeeping of the producer -> consumer workloads, shared by consumers on the
 * main thread and in workers: items seen, their latencies, and the consume times that give
 * the rate. The first `warmupItems` items of a pass warm up every thread and are not measured.
 */

/** Index in the control array of the number of items the producer added, -1 until it is done. */
export const CONTROL_SENT = 0;
/** Index in the control array of the stop flag: 1 once the consumer must stop reading. */
export const CONTROL_STOP = 1;
export const CONTROL_LENGTH = 2;

export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** A consumer's record of the measured items, the ones after the warm-up. */
export interface TallySummary {
  /** Measured items consumed. */
  measured: number;
  /** process.hrtime in ns of the first and the last measured item's consume; 0 if none. */
  firstNs: number;
  lastNs: number;
}

export class Tally implements TallySummary {
  measured = 0;
  firstNs = 0;
  lastNs = 0;
  /** Highest item number seen, from which a consumer learns that it has the last item. */
  highest = -1;
  /** Sum of one field of every item, so that the JIT cannot drop an unused item load. */
  sink = 0;

  /**
   * `stamps[i]` is the add time of item i in ns. `latenciesNs` receives the latency of each
   * measured item, in consume order, and may live in shared memory.
   */
  constructor(
    private readonly stamps: Float64Array,
    readonly latenciesNs: Float64Array,
    private readonly touch: (item: unknown) => number,
    private readonly warmupItems: number,
  ) {}

  /** Records item number `index`, consumed now. */
  record(index: number, item: unknown): void {
    this.sink += this.touch(item);
    if (index > this.highest) this.highest = index;
    if (index < this.warmupItems) return;
    const now = nowNs();
    if (this.measured < this.latenciesNs.length) {
      this.latenciesNs[this.measured] = now - this.stamps[index];
    }
    if (this.measured === 0) this.firstNs = now;
    this.measured++;
    this.lastNs = now;
  }

  /** Tells whether the last of `sent` items was consumed; false while `sent` is negative. */
  hasLast(sent: number): boolean {
    return sent >= 0 && this.highest + 1 >= sent;
  }

  summary(): TallySummary {
    return { measured: this.measured, firstNs: this.firstNs, lastNs: this.lastNs };
  }
}
