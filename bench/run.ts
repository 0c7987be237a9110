/**
 * The benchmark orchestrator, `npm run bench [-- options]`: starts the peers' servers,
 * measures every case in interleaved rounds of fresh child processes, profiles the
 * measurements behind missed goals, and writes RESULTS.md, chart.svg and results.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { evaluateGoals } from './goals';
import {
  FULL_BUDGET,
  QUICK_BUDGET,
  runCase,
  type CaseResult,
  type CaseSpec,
  type Scenario,
  type ServerKind,
} from './harness';
import { profileTarget, type ProfileSummary } from './profile';
import {
  formatRatio,
  renderChart,
  renderMarkdown,
  type MachineInfo,
  type RunResults,
  type ScenarioResult,
} from './report';
import { SCENARIO_IDS, SCENARIO_LOADERS } from './scenarios/index';
import { startServers, type ServerSet } from './servers';

const BENCH_DIR = __dirname;
const PARTIAL_OUT_DIR = path.join(BENCH_DIR, 'out');
const CHILD_TIMEOUT_MS = 120_000;
const FULL_ROUNDS = 5;
const QUICK_ROUNDS = 3;

const HELP = `Usage: npm run bench -- [options]

Measures ringcast beside the libraries and servers it replaces and writes RESULTS.md,
chart.svg and results.json.

Options:
  --quick            short run: small objects only, ${QUICK_ROUNDS} rounds, short samples
  --only <ids>       run only these scenarios (comma-separated): ${SCENARIO_IDS.join(', ')}
  --rounds <n>       rounds per case (default ${FULL_ROUNDS}, or ${QUICK_ROUNDS} with --quick)
  --no-profile       skip the CPU profiles of missed goals
  --out <dir>        where to write the results (default: bench/ for a full run of
                     everything, bench/out/ otherwise)
  --from <file>      measure nothing: read a results.json, evaluate the goals again, profile
                     the missed ones and rewrite the report next to that file
  -h, --help         print this help
`;

interface Options {
  quick: boolean;
  only: string[] | undefined;
  rounds: number;
  profile: boolean;
  outDir: string;
  /** A results.json to report again instead of measuring. */
  from: string | undefined;
}

class UsageError extends Error {}

function parseArgs(args: readonly string[]): Options | undefined {
  let quick = false;
  let only: string[] | undefined;
  let rounds: number | undefined;
  let profile = true;
  let outDir: string | undefined;
  let from: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '-h' || arg === '--help') return undefined;
    else if (arg === '--quick') quick = true;
    else if (arg === '--no-profile') profile = false;
    else if (arg === '--only') {
      only = value().split(',').filter((id) => id !== '');
      const unknown = only.filter((id) => !SCENARIO_IDS.includes(id));
      if (unknown.length > 0 || only.length === 0) {
        throw new UsageError(
          `--only ${only.join(',')} names no known scenario; valid: ${SCENARIO_IDS.join(', ')}`,
        );
      }
    } else if (arg === '--rounds') {
      const text = value();
      rounds = Number(text);
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) {
        throw new UsageError(`--rounds ${text} is invalid; expected an integer from 1 to 50`);
      }
    } else if (arg === '--out') outDir = path.resolve(value());
    else if (arg === '--from') from = path.resolve(value());
    else throw new UsageError(`unknown option ${arg}; see npm run bench -- --help`);
  }
  const partial = quick || only !== undefined;
  let defaultOutDir = partial ? PARTIAL_OUT_DIR : BENCH_DIR;
  if (from !== undefined) defaultOutDir = path.dirname(from);
  return {
    quick,
    only,
    rounds: rounds ?? (quick ? QUICK_ROUNDS : FULL_ROUNDS),
    profile,
    outDir: outDir ?? defaultOutDir,
    from,
  };
}

/**
 * Describes why the machine counts as busy, or returns undefined when it does not: a
 * 1-minute load average above half the cores before the run, or above 1.5 times the cores
 * at any round's end. The bench keeps up to two threads busy itself, so its own load
 * reaches about 2 on a quiet machine.
 */
function busyReason(before: number, peak: number, cores: number): string | undefined {
  const reasons: string[] = [];
  if (before > cores * 0.5) {
    reasons.push(`${before.toFixed(2)} before the run, above ${cores * 0.5} (half the cores)`);
  }
  if (peak > cores * 1.5) {
    reasons.push(`up to ${peak.toFixed(2)} during the run, above ${cores * 1.5}`);
  }
  return reasons.length === 0 ? undefined : `1-minute load average ${reasons.join(', and ')}`;
}

function describeOs(): string {
  return `${os.type()} ${os.release()} ${os.arch()}`;
}

async function main(args: readonly string[]): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(HELP);
    return 0;
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  if (options.from !== undefined) return reportAgain(options, log);
  const started = Date.now();
  const loadBefore = os.loadavg();
  const cores = os.cpus().length;

  const ids = options.only ?? SCENARIO_IDS;
  const scenarios: Scenario[] = [];
  for (const id of ids) scenarios.push(await SCENARIO_LOADERS[id]());
  const plan = scenarios.map((scenario) => ({
    scenario,
    cases: scenario.cases({ quick: options.quick }),
  }));
  const serverKinds = new Set<ServerKind>();
  for (const { cases } of plan) {
    for (const spec of cases) {
      for (const contender of spec.contenders) {
        if (contender.server !== undefined) serverKinds.add(contender.server);
      }
    }
  }

  let servers: ServerSet | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    log(`bench: ${signal}: stopping the servers`);
    void (servers?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  servers = await startServers([...serverKinds]);
  for (const [kind, reason] of Object.entries(servers.missing)) {
    log(`bench: skipping the ${kind} peers: ${reason}`);
  }
  const budget = options.quick ? QUICK_BUDGET : FULL_BUDGET;
  const scenarioResults: ScenarioResult[] = [];
  const profiles: ProfileSummary[] = [];
  let goals;
  try {
    for (const { scenario, cases } of plan) {
      log(`\n== ${scenario.title}`);
      let remarks: string[] = [];
      let skipReason: string | undefined;
      try {
        remarks = (await scenario.prepare?.(log)) ?? [];
      } catch (error) {
        skipReason = `skipped: ${(error as Error).message}`;
        log(`bench: ${scenario.id} ${skipReason}`);
      }
      const caseResults: CaseResult[] = [];
      for (const planned of cases) {
        const spec = { ...planned, notes: [...(planned.notes ?? []), ...remarks] };
        if (skipReason !== undefined) {
          caseResults.push(skippedCase(scenario.id, spec, skipReason));
          continue;
        }
        log(`- ${spec.title}`);
        const result = await runCase(spec, {
          scenario: scenario.id,
          rounds: options.rounds,
          budget,
          quick: options.quick,
          servers: servers.addresses,
          missingServers: servers.missing,
          timeoutMs: CHILD_TIMEOUT_MS,
          log,
        });
        caseResults.push(result);
        logCase(result, log);
      }
      scenarioResults.push({
        id: scenario.id,
        title: scenario.title,
        description: scenario.description,
        cases: caseResults,
      });
    }

    goals = evaluateGoals(scenarioResults.flatMap((s) => s.cases));
    if (options.profile) {
      for (const goal of goals) {
        if (goal.profile === undefined) continue;
        log(`\n== profiling for the missed goal "${goal.title}": ${goal.profile.label}`);
        profiles.push(await profileTarget(goal.id, goal.profile, servers.addresses, options.quick));
      }
    }
  } finally {
    await servers.stop();
  }

  const loadAfter = os.loadavg();
  const caseLoads = scenarioResults.flatMap((s) => s.cases.map((c) => c.loadPeak));
  const busy = busyReason(loadBefore[0], Math.max(loadAfter[0], ...caseLoads), cores);
  const machine: MachineInfo = {
    node: process.version,
    v8: process.versions.v8,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores,
    totalMemoryBytes: os.totalmem(),
    os: describeOs(),
    loadBefore,
    loadAfter,
    busy: busy !== undefined,
    busyReason: busy,
    servers: servers.versions as Record<string, string>,
    missingServers: servers.missing as Record<string, string>,
  };
  const results: RunResults = {
    date: new Date().toISOString(),
    command: ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' '),
    quick: options.quick,
    only: options.only,
    rounds: options.rounds,
    wallMs: Date.now() - started,
    machine,
    scenarios: scenarioResults,
    goals,
    profiles,
  };

  writeResults(results, options.outDir, log);
  log(`Total: ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return 0;
}

/** Writes results.json, chart.svg and RESULTS.md into `outDir` and prints the goals. */
function writeResults(results: RunResults, outDir: string, log: (line: string) => void): void {
  fs.mkdirSync(outDir, { recursive: true });
  const chartFile = 'chart.svg';
  const json = `${JSON.stringify(results, null, 2)}\n`;
  fs.writeFileSync(path.join(outDir, 'results.json'), json);
  fs.writeFileSync(path.join(outDir, chartFile), renderChart(results));
  fs.writeFileSync(path.join(outDir, 'RESULTS.md'), renderMarkdown(results, chartFile));

  log('\n== goals');
  for (const goal of results.goals) log(`${goal.status.padEnd(12)} ${goal.title}`);
  const { machine } = results;
  if (machine.busy) {
    log(`\nWARNING: the machine was busy: ${machine.busyReason}. Results are noisy.`);
  }
  const where = path.relative(process.cwd(), outDir) || '.';
  log(`\nWrote ${where}/RESULTS.md, chart.svg and results.json.`);
}

/**
 * Reports a saved run again: evaluates the goals from its measurements, profiles the
 * missed ones on this machine now (unless --no-profile), and rewrites the three files.
 */
async function reportAgain(options: Options, log: (line: string) => void): Promise<number> {
  const results = JSON.parse(fs.readFileSync(options.from!, 'utf8')) as RunResults;
  results.goals = evaluateGoals(results.scenarios.flatMap((s) => s.cases));
  if (options.profile) {
    results.profiles = [];
    for (const goal of results.goals) {
      if (goal.profile === undefined) continue;
      log(`== profiling for the missed goal "${goal.title}": ${goal.profile.label}`);
      // The profiled contenders are ringcast's, which need no server.
      results.profiles.push(await profileTarget(goal.id, goal.profile, {}, results.quick));
    }
  }
  writeResults(results, options.outDir, log);
  return 0;
}

/** Returns the result of a case that was not run, with every contender skipped. */
function skippedCase(scenario: string, spec: CaseSpec, reason: string): CaseResult {
  const load = os.loadavg()[0];
  return {
    ...spec,
    scenario,
    contenders: spec.contenders.map((contender) => ({
      ...contender,
      status: 'skipped',
      reason,
      values: [],
      metrics: {},
      metricSummaries: {},
    })),
    ratios: [],
    loadBefore: load,
    loadAfter: load,
    loadPeak: load,
    wallMs: 0,
  };
}

/** Prints each contender's median and the first ringcast contender's ratio against it. */
function logCase(result: CaseResult, log: (line: string) => void): void {
  const subject = result.contenders.find((c) => c.role === 'ringcast' && c.status === 'ok');
  for (const contender of result.contenders) {
    if (contender.summary === undefined) {
      const reason = contender.reason === undefined ? '' : `: ${contender.reason}`;
      log(`    ${contender.label}: ${contender.status}${reason}`);
      continue;
    }
    const ratio = result.ratios.find((r) => r.subject === subject?.id && r.peer === contender.id);
    let ratioText = '';
    if (ratio !== undefined) {
      ratioText = `  (${subject!.label} ÷ this ${formatRatio(ratio.summary.median)})`;
    }
    const median = contender.summary.median.toPrecision(4);
    log(`    ${contender.label}: ${median} ${result.unit}${ratioText}`);
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
