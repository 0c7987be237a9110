/**
 * The benchmark harness: the types shared by the orchestrator, the scenarios and the child
 * process, the sampling loop a child runs, the statistics, and the runner that measures
 * each contender in a fresh child process, round after round.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** How long a child warms up and samples. */
export interface Budget {
  warmupMs: number;
  /** Number of timed samples; the child reports their median. */
  samples: number;
  /** Target duration of one sample. */
  sampleMs: number;
}

export const QUICK_BUDGET: Budget = { warmupMs: 100, samples: 5, sampleMs: 50 };
export const FULL_BUDGET: Budget = { warmupMs: 300, samples: 7, sampleMs: 150 };

/** A server that the bench starts for a peer. `hazelcast` is a single Hazelcast member. */
export type ServerKind = 'redis' | 'nats' | 'hazelcast';

export interface ServerAddress {
  host: string;
  port: number;
}

export type ServerAddresses = Partial<Record<ServerKind, ServerAddress>>;

/** `ringcast` contenders are compared with every other contender of their case. */
export type Role = 'ringcast' | 'peer' | 'baseline';

export interface ContenderSpec {
  id: string;
  label: string;
  role: Role;
  /** The server the contender talks to; it is skipped when that server is not running. */
  server?: ServerKind;
}

/** One table of the report: the contenders measured side by side on one workload. */
export interface CaseSpec {
  id: string;
  title: string;
  /** Unit of the primary value, such as `items/s` or `bytes`. */
  unit: string;
  higherIsBetter: boolean;
  /** Whether the case's ratios go into the throughput chart. */
  chart: boolean;
  contenders: ContenderSpec[];
  /** Secondary values a measurement returns, by key, with their column titles. */
  metrics?: Record<string, string>;
  /** Remarks printed under the case's table. */
  notes?: string[];
  /** Rounds for this case, when it needs fewer than the run's default. */
  rounds?: number;
  /**
   * Measures all contenders in one child process per round, in alternating blocks. This is
   * for contenders that differ by a few percent on a shared path, because two processes
   * differ by more than that in how their code gets compiled and when they collect garbage.
   */
  together?: boolean;
}

export interface PlanOptions {
  quick: boolean;
}

/** One contender of one case, as the orchestrator sends it to a child. */
export interface MeasureSpec {
  scenario: string;
  caseId: string;
  contenderId: string;
  budget: Budget;
  servers: ServerAddresses;
  quick: boolean;
  /**
   * For a case measured together: the ids of the contenders to measure, in the order of
   * their first block. `contenderId` then lists them for logs.
   */
  together?: string[];
  /** The child exits by itself after this long, before the parent would kill it. */
  exitAfterMs?: number;
}

export interface Measurement {
  /** The primary value (per-sample median for throughput). */
  value: number;
  /** Values of the individual samples, in order. */
  samples: number[];
  metrics?: Record<string, number>;
  /** process.hrtime of the measured window in microseconds, to cut a CPU profile. */
  windowMicros?: [number, number];
  /** For a case measured together: each contender's measurement, by contender id. */
  byContender?: Record<string, Measurement>;
}

export interface Scenario {
  id: string;
  title: string;
  /** Markdown: what is measured and how. */
  description: string;
  cases(options: PlanOptions): CaseSpec[];
  /**
   * Runs in the orchestrator before the scenario's cases, such as a build it needs, and
   * returns remarks for its tables. Throwing skips the scenario with the error's message.
   */
  prepare?(log: (line: string) => void): Promise<string[]>;
  /** Runs in the child process. */
  measure(spec: MeasureSpec): Promise<Measurement>;
}

/** A workload prepared in a child: `run(calls)` does `calls` operations of `itemsPerCall`. */
export interface Bench {
  itemsPerCall: number;
  run(calls: number): void | Promise<void>;
  close?(): void | Promise<void>;
}

const MAX_CALLS_PER_SAMPLE = 100_000_000;

export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Warms `bench` up while it finds how many calls last `sampleMs`, and returns that count.
 * Bounded by count, and by time (a run stops growing once it lasts half its target).
 */
async function calibrate(bench: Bench, warmupMs: number, sampleMs: number): Promise<number> {
  let calls = 1;
  let lastMs = 0;
  const warmupEnd = nowMs() + warmupMs;
  for (let step = 0; step < 60; step++) {
    const start = nowMs();
    await bench.run(calls);
    lastMs = nowMs() - start;
    const calibrated = lastMs >= sampleMs / 2;
    if (calibrated && nowMs() >= warmupEnd) break;
    if (!calibrated && calls < MAX_CALLS_PER_SAMPLE) calls *= 2;
  }
  const perCallMs = Math.max(lastMs, 1e-6) / calls;
  return Math.max(1, Math.min(MAX_CALLS_PER_SAMPLE, Math.round(sampleMs / perCallMs)));
}

/** Returns CPU time (process.cpuUsage's user + system, in microseconds) per item, in ns. */
function cpuNsPerItem(cpuMicros: number, items: number): number {
  return (cpuMicros * 1000) / items;
}

/**
 * Measures items/s of `bench`: warms up while it finds how many calls fill one sample,
 * then takes `budget.samples` timed samples.
 */
export async function measureThroughput(bench: Bench, budget: Budget): Promise<Measurement> {
  const calls = await calibrate(bench, budget.warmupMs, budget.sampleMs);

  const samples: number[] = [];
  const windowStart = nowMicros();
  const cpuStart = process.cpuUsage();
  for (let sample = 0; sample < budget.samples; sample++) {
    const start = nowMs();
    await bench.run(calls);
    const elapsedMs = nowMs() - start;
    samples.push((calls * bench.itemsPerCall * 1000) / Math.max(elapsedMs, 1e-6));
  }
  const cpu = process.cpuUsage(cpuStart);
  const windowEnd = nowMicros();
  await bench.close?.();
  // Unlike the rate, the CPU time per item does not count the time spent waiting for a server.
  const items = budget.samples * calls * bench.itemsPerCall;
  return {
    value: median(samples),
    samples,
    metrics: { cpuNsPerItem: cpuNsPerItem(cpu.user + cpu.system, items) },
    windowMicros: [windowStart, windowEnd],
  };
}

/** Blocks per contender in a measurement together, per sample of the budget. */
const BLOCKS_PER_SAMPLE = 4;

/**
 * Measures several benches in one process: after each warms up, they take turns in blocks
 * of half a sample, the order reversed every other block. Each bench's value is the median
 * of its blocks' items/s, and its CPU time per item is taken over all of its blocks.
 * NOTE: a block can pay for a garbage collection of the previous block's garbage. The
 * blocks are long enough for many young-generation collections each, so the share moved
 * is small, and it moves both ways. A forced collection between blocks costs more: the
 * collector's background sweeping after it lands in the next block.
 */
export async function measureTogether(
  benches: ReadonlyArray<[id: string, bench: Bench]>,
  budget: Budget,
): Promise<Measurement> {
  const blockMs = budget.sampleMs / 2;
  const calls: number[] = [];
  for (const [, bench] of benches) calls.push(await calibrate(bench, budget.warmupMs, blockMs));
  const samples = benches.map((): number[] => []);
  const cpuMicros = benches.map(() => 0);
  const windowStart = nowMicros();
  for (let block = 0; block < budget.samples * BLOCKS_PER_SAMPLE; block++) {
    for (let turn = 0; turn < benches.length; turn++) {
      const index = block % 2 === 0 ? turn : benches.length - 1 - turn;
      const bench = benches[index][1];
      const start = nowMs();
      const cpuStart = process.cpuUsage();
      await bench.run(calls[index]);
      const cpu = process.cpuUsage(cpuStart);
      const elapsedMs = nowMs() - start;
      cpuMicros[index] += cpu.user + cpu.system;
      samples[index].push((calls[index] * bench.itemsPerCall * 1000) / Math.max(elapsedMs, 1e-6));
    }
  }
  const windowEnd = nowMicros();
  const byContender: Record<string, Measurement> = {};
  for (const [index, [id, bench]] of benches.entries()) {
    await bench.close?.();
    const items = samples[index].length * calls[index] * bench.itemsPerCall;
    byContender[id] = {
      value: median(samples[index]),
      samples: samples[index],
      metrics: { cpuNsPerItem: cpuNsPerItem(cpuMicros[index], items) },
      windowMicros: [windowStart, windowEnd],
    };
  }
  return { value: NaN, samples: [], byContender, windowMicros: [windowStart, windowEnd] };
}

// --- statistics ---

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, as a fraction. */
  spread: number;
  count: number;
}

/** Returns the q-quantile (0..1) of `values` by linear interpolation; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function summarize(values: readonly number[]): Summary {
  const middle = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return {
    median: middle,
    min,
    max,
    spread: values.length > 0 && middle !== 0 ? (max - min) / Math.abs(middle) : NaN,
    count: values.length,
  };
}

// --- the parent side ---

const CHILD_SCRIPT = path.join(__dirname, 'child.ts');
const CHILD_STDERR_BYTES = 4000;
/** The addon files node-gyp-build loads, in its order: the local build, then the prebuild. */
const ADDON_FILES = [
  path.join(__dirname, '..', 'build', 'Release', 'ringcast.node'),
  path.join(__dirname, '..', 'prebuilds', `${process.platform}-${process.arch}`, 'ringcast.node'),
];
const ADDON_WAIT_MS = 5 * 60_000;
const ADDON_POLL_MS = 2000;
/** An addon file younger than this may still be being written by the linker. */
const ADDON_SETTLE_MS = 5000;
const RETRY_DELAY_MS = 1000;

export interface ChildOptions {
  timeoutMs: number;
  /** Extra node flags, such as --cpu-prof. */
  execArgv?: string[];
  /** A command that runs node, such as `perf record -g --`; node's path goes after it. */
  wrapper?: string[];
}

export type ChildOutcome =
  | { ok: true; measurement: Measurement }
  | { ok: false; error: string };

/** Runs one measurement in a fresh node process and returns what it reported. */
export function runChild(spec: MeasureSpec, options: ChildOptions): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const nodeArgs = ['--import', 'tsx', '--expose-gc', ...(options.execArgv ?? [])];
    const wrapper = options.wrapper ?? [];
    // The wrapper inherits the IPC channel's descriptor and environment, and so does node.
    const child = fork(CHILD_SCRIPT, [], {
      execPath: wrapper.length > 0 ? wrapper[0] : process.execPath,
      execArgv:
        wrapper.length > 0 ? [...wrapper.slice(1), process.execPath, ...nodeArgs] : nodeArgs,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let outcome: ChildOutcome | undefined;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-CHILD_STDERR_BYTES);
    });
    const timer = setTimeout(() => {
      outcome = { ok: false, error: `timed out after ${options.timeoutMs} ms` };
      // A wrapper gets SIGTERM, so that it can stop the node process it started.
      const signal = wrapper.length > 0 ? 'SIGTERM' : 'SIGKILL';
      if (child.pid !== undefined) process.kill(child.pid, signal);
    }, options.timeoutMs);
    child.on('message', (message) => {
      outcome ??= message as ChildOutcome;
    });
    child.on('error', (error) => {
      outcome ??= { ok: false, error: error.message };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (outcome === undefined) {
        const lastLines = stderr.trim().split('\n').slice(-3).join(' | ');
        const status = signal === null ? `exit code ${code}` : `signal ${signal}`;
        outcome = { ok: false, error: `child ended with ${status}: ${lastLines}` };
      }
      resolve(outcome);
    });
    child.send({ ...spec, exitAfterMs: Math.max(1000, options.timeoutMs - 5000) });
  });
}

export interface ContenderResult extends ContenderSpec {
  status: 'ok' | 'skipped' | 'failed';
  /** The reason the contender was skipped or failed. */
  reason?: string;
  /** Primary value per round; NaN for a round whose child failed. */
  values: number[];
  metrics: Record<string, number[]>;
  summary?: Summary;
  metricSummaries: Record<string, Summary>;
}

/** `subject ÷ peer` of the primary value, per round. */
export interface RatioResult {
  subject: string;
  peer: string;
  perRound: number[];
  summary: Summary;
}

export interface CaseResult extends CaseSpec {
  scenario: string;
  contenders: ContenderResult[];
  ratios: RatioResult[];
  loadBefore: number;
  loadAfter: number;
  /** Highest 1-minute load average seen at the end of a round. */
  loadPeak: number;
  wallMs: number;
}

export interface CaseRunOptions {
  scenario: string;
  rounds: number;
  budget: Budget;
  quick: boolean;
  servers: ServerAddresses;
  /** Reasons that servers are absent, by kind. Contenders needing one are skipped. */
  missingServers: Partial<Record<ServerKind, string>>;
  timeoutMs: number;
  log(line: string): void;
}

/**
 * Measures every contender of a case in interleaved rounds. Each round runs all
 * contenders once, each in a fresh process. Even rounds use the listed order and odd
 * rounds the reverse, so that no contender always runs first or last.
 */
export async function runCase(spec: CaseSpec, options: CaseRunOptions): Promise<CaseResult> {
  const started = nowMs();
  const loadBefore = os.loadavg()[0];
  const results: ContenderResult[] = spec.contenders.map((contender) => ({
    ...contender,
    status: 'ok',
    values: [],
    metrics: {},
    metricSummaries: {},
  }));
  for (const result of results) {
    const missing = result.server === undefined ? undefined : options.missingServers[result.server];
    if (missing !== undefined) {
      result.status = 'skipped';
      result.reason = missing;
    }
  }

  const rounds = spec.rounds ?? options.rounds;
  let loadPeak = loadBefore;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? results : [...results].reverse();
    if (spec.together) {
      await runTogether(spec, order, round, options);
      const load = os.loadavg()[0];
      loadPeak = Math.max(loadPeak, load);
      options.log(`  round ${round + 1}/${rounds} done (load ${load.toFixed(2)})`);
      continue;
    }
    for (const result of order) {
      if (result.status !== 'ok') continue;
      const childSpec: MeasureSpec = {
        scenario: options.scenario,
        caseId: spec.id,
        contenderId: result.id,
        budget: options.budget,
        servers: options.servers,
        quick: options.quick,
      };
      const outcome = await runWithRetry(childSpec, options);
      if (!outcome.ok) {
        // The round is lost for this contender; its other rounds still count.
        result.values[round] = NaN;
        result.reason = `round ${round + 1}: ${outcome.error}`;
        options.log(`  ${result.label}: round ${round + 1} failed: ${outcome.error}`);
        continue;
      }
      record(result, round, outcome.measurement);
    }
    const load = os.loadavg()[0];
    loadPeak = Math.max(loadPeak, load);
    options.log(`  round ${round + 1}/${rounds} done (load ${load.toFixed(2)})`);
  }

  for (const result of results) {
    if (result.status !== 'ok') continue;
    const measured = result.values.filter((value) => Number.isFinite(value));
    if (measured.length === 0) {
      result.status = 'failed';
      continue;
    }
    result.summary = summarize(measured);
    for (const [key, values] of Object.entries(result.metrics)) {
      result.metricSummaries[key] = summarize(values.filter((value) => Number.isFinite(value)));
    }
  }
  return {
    ...spec,
    scenario: options.scenario,
    contenders: results,
    ratios: computeRatios(results),
    loadBefore,
    loadAfter: os.loadavg()[0],
    loadPeak,
    wallMs: nowMs() - started,
  };
}

/** Records one value and its metrics of a contender's round. */
function record(result: ContenderResult, round: number, measurement: Measurement): void {
  result.values[round] = measurement.value;
  for (const [key, value] of Object.entries(measurement.metrics ?? {})) {
    (result.metrics[key] ??= [])[round] = value;
  }
}

/** Runs one round of a case measured together: one child measures `order`'s contenders. */
async function runTogether(
  spec: CaseSpec,
  order: readonly ContenderResult[],
  round: number,
  options: CaseRunOptions,
): Promise<void> {
  const measured = order.filter((result) => result.status === 'ok');
  if (measured.length === 0) return;
  const ids = measured.map((result) => result.id);
  const outcome = await runWithRetry(
    {
      scenario: options.scenario,
      caseId: spec.id,
      contenderId: ids.join('+'),
      together: ids,
      budget: options.budget,
      servers: options.servers,
      quick: options.quick,
    },
    options,
  );
  for (const result of measured) {
    const measurement = outcome.ok ? outcome.measurement.byContender?.[result.id] : undefined;
    if (measurement === undefined) {
      const error = outcome.ok ? 'the child measured no such contender' : outcome.error;
      result.values[round] = NaN;
      result.reason = `round ${round + 1}: ${error}`;
      options.log(`  ${result.label}: round ${round + 1} failed: ${error}`);
      continue;
    }
    record(result, round, measurement);
  }
}

/**
 * Runs a child, and once more when it fails. A failure to load the addon (another engineer
 * may be rebuilding it) first waits until a build or prebuild of it is back and settled.
 */
async function runWithRetry(spec: MeasureSpec, options: CaseRunOptions): Promise<ChildOutcome> {
  const outcome = await runChild(spec, { timeoutMs: options.timeoutMs });
  if (outcome.ok) return outcome;
  if (/No native build was found|ringcast\.node/.test(outcome.error)) {
    options.log('  the native addon failed to load: waiting for a build or prebuild of it');
    if (!(await waitForAddon())) return outcome;
  } else {
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
  }
  return runChild(spec, { timeoutMs: options.timeoutMs });
}

/**
 * Polls until an addon file (build or prebuild) exists and has not changed for a while;
 * false on timeout.
 */
export async function waitForAddon(): Promise<boolean> {
  for (let waited = 0; waited < ADDON_WAIT_MS; waited += ADDON_POLL_MS) {
    for (const file of ADDON_FILES) {
      try {
        if (Date.now() - fs.statSync(file).mtimeMs > ADDON_SETTLE_MS) return true;
      } catch {
        // Not there yet.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, ADDON_POLL_MS));
  }
  return false;
}

/** Returns subject ÷ peer per round for every ringcast contender against every other one. */
function computeRatios(results: readonly ContenderResult[]): RatioResult[] {
  const ratios: RatioResult[] = [];
  for (const subject of results) {
    if (subject.role !== 'ringcast' || subject.status !== 'ok') continue;
    for (const peer of results) {
      if (peer === subject || peer.status !== 'ok') continue;
      const perRound: number[] = [];
      for (let round = 0; round < subject.values.length; round++) {
        const ratio = subject.values[round] / peer.values[round];
        if (Number.isFinite(ratio)) perRound.push(ratio);
      }
      if (perRound.length === 0) continue;
      ratios.push({ subject: subject.id, peer: peer.id, perRound, summary: summarize(perRound) });
    }
  }
  return ratios;
}
