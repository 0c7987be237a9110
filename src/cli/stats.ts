/**
 * Per-field statistics over the numeric fields of records: count, min, max, mean and exact
 * nearest-rank percentiles (pN is the value at rank ceil(N / 100 * count) of the sorted
 * values, so p50 of [1, 2, 3, 4] is 2). Consumers collect the values of their share of the records;
 * the main thread merges the shares.
 */

/** Statistics of one field over all records that have a number in it. */
export interface FieldStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p99: number;
}

/** The values one consumer collected for one field, sent to the main thread. */
export interface FieldShare {
  name: string;
  /** Sequence of the first record in this share with a number in the field. */
  firstSequence: number;
  /** The field's numbers, in the order read. */
  values: Float64Array;
}

/** Returns the 1-based nearest rank of percentile `percent` among `count` values. */
export function nearestRank(count: number, percent: number): number {
  return Math.max(1, Math.ceil((percent / 100) * count));
}

/**
 * Returns the value of 0-based order `k` in `values` (what values.sort()[k] would be),
 * reordering `values` in place. Quickselect with a median-of-three pivot takes linear time
 * on typical data. Only adversarial orders reach 64 + 2 log2(n) rounds, and from there it
 * sorts the rest of the range.
 */
export function selectInPlace(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  const maxRounds = 64 + 2 * Math.ceil(Math.log2(values.length + 1));

  for (let round = 0; right > left; round++) {
    if (round === maxRounds) {
      values.subarray(left, right + 1).sort();
      break;
    }
    const pivot = medianOfThree(values[left], values[(left + right) >>> 1], values[right]);
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const swap = values[i];
        values[i] = values[j];
        values[j] = swap;
        i++;
        j--;
      }
    }
    // Now values[left..j] <= pivot <= values[i..right], and values between j and i equal it.
    if (k <= j) {
      right = j;
    } else if (k >= i) {
      left = i;
    } else {
      break;
    }
  }
  return values[k];
}

function medianOfThree(a: number, b: number, c: number): number {
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  return Math.max(low, Math.min(high, c));
}

class FieldCollector {
  readonly name: string;
  readonly firstSequence: number;
  values = new Float64Array(1024);
  count = 0;

  constructor(name: string, firstSequence: number) {
    this.name = name;
    this.firstSequence = firstSequence;
  }

  add(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }
}

/**
 * Collects the numbers of every field of the records given to it, in one thread.
 * NOTE: exact percentiles keep every value, 8 bytes each, until the end of the run.
 */
export class StatsCollector {
  readonly #fields = new Map<string, FieldCollector>();

  /** Adds every finite number among the record's own top-level fields. */
  add(record: Record<string, unknown>, sequence: number): void {
    for (const name in record) {
      const value = record[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        continue;
      }
      let field = this.#fields.get(name);
      if (field === undefined) {
        field = new FieldCollector(name, sequence);
        this.#fields.set(name, field);
      }
      field.add(value);
    }
  }

  /** Returns the collected values, trimmed; their buffers can be transferred. */
  shares(): FieldShare[] {
    return [...this.#fields.values()].map((field) => ({
      name: field.name,
      firstSequence: field.firstSequence,
      values: field.values.slice(0, field.count),
    }));
  }
}

/**
 * Merges the shares of all consumers into statistics per field. Fields are ordered by
 * their first appearance in the input (ties within one record keep the record's key order,
 * since one consumer collected that whole record).
 */
export function mergeShares(sharesByConsumer: readonly FieldShare[][]): Record<string, FieldStats> {
  const byName = new Map<string, { firstSequence: number; order: number; shares: FieldShare[] }>();
  let order = 0;
  for (const shares of sharesByConsumer) {
    for (const share of shares) {
      const entry = byName.get(share.name);
      if (entry === undefined) {
        const { firstSequence } = share;
        byName.set(share.name, { firstSequence, order: order++, shares: [share] });
        continue;
      }
      entry.shares.push(share);
      if (share.firstSequence < entry.firstSequence) {
        entry.firstSequence = share.firstSequence;
        entry.order = order++;
      }
    }
  }

  const names = [...byName.keys()].sort((a, b) => {
    const left = byName.get(a)!;
    const right = byName.get(b)!;
    return left.firstSequence - right.firstSequence || left.order - right.order;
  });

  const result: Record<string, FieldStats> = {};
  for (const name of names) {
    result[name] = computeFieldStats(byName.get(name)!.shares);
  }
  return result;
}

/**
 * Returns the correctly rounded sum of `values` (Shewchuk's exact partial sums, as Python's
 * math.fsum), so the mean does not depend on how the records were split among consumers.
 */
export function exactSum(values: Float64Array): number {
  const partials: number[] = [];
  for (let value of values) {
    let kept = 0;
    for (const partial of partials) {
      const high = value + partial;
      let low: number;
      if (Math.abs(value) < Math.abs(partial)) {
        low = value - (high - partial);
      } else {
        low = partial - (high - value);
      }
      if (low !== 0) partials[kept++] = low;
      value = high;
    }
    partials.length = kept;
    partials.push(value);
  }
  // Add the partials from the largest down, correcting the last rounding (half-even ties).
  let index = partials.length - 1;
  if (index < 0) return 0;
  let high = partials[index--];
  let low = 0;
  while (index >= 0) {
    const next = partials[index--];
    const sum = high + next;
    low = next - (sum - high);
    high = sum;
    if (low !== 0) break;
  }
  if (index >= 0 && ((low < 0 && partials[index] < 0) || (low > 0 && partials[index] > 0))) {
    const doubled = low * 2;
    const adjusted = high + doubled;
    if (doubled === adjusted - high) high = adjusted;
  }
  return high;
}

function computeFieldStats(shares: readonly FieldShare[]): FieldStats {
  let count = 0;
  for (const share of shares) count += share.values.length;

  const values = new Float64Array(count);
  let offset = 0;
  for (const share of shares) {
    values.set(share.values, offset);
    offset += share.values.length;
  }
  const sum = exactSum(values);
  let min = values[0];
  let max = values[0];
  for (let i = 1; i < count; i++) {
    const value = values[i];
    if (value < min) min = value;
    if (value > max) max = value;
  }

  return {
    count,
    min,
    max,
    mean: sum / count,
    p50: selectInPlace(values, nearestRank(count, 50) - 1),
    p99: selectInPlace(values, nearestRank(count, 99) - 1),
  };
}
