/**
 * Profiles one measurement with `node --cpu-prof` and summarizes where its time went:
 * self time per function and per category, within the measured window only.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  runChild,
  waitForAddon,
  type Budget,
  type MeasureSpec,
  type ServerAddresses,
} from './harness';

/** The parts of V8's .cpuprofile format that the summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string };
  }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileTarget {
  scenario: string;
  caseId: string;
  contenderId: string;
  label: string;
}

export interface ProfileEntry {
  name: string;
  /** Share of the window's samples, 0..1. */
  share: number;
}

export interface ProfileSummary {
  goal: string;
  target: ProfileTarget;
  /** Milliseconds of samples inside the measured window. */
  windowMs: number;
  functions: ProfileEntry[];
  categories: ProfileEntry[];
  /** Native symbols from `perf record -g`, inclusive share; empty without perf. */
  native: NativeEntry[];
  /** The reason there is no native breakdown, when there is none. */
  nativeError?: string;
  error?: string;
}

export interface NativeEntry {
  symbol: string;
  /** Share of the process's samples in this symbol and its callees, 0..1. */
  inclusive: number;
  /** Share in this symbol alone, 0..1. */
  self: number;
}

const TOP_FUNCTIONS = 12;
const SAMPLING_INTERVAL_US = 100;
const PROFILE_BUDGET: Budget = { warmupMs: 300, samples: 5, sampleMs: 300 };

/** Names the category of a frame by where its code lives. */
function categorize(functionName: string, url: string): string {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)') return 'idle (waiting for I/O or another thread)';
  if (functionName === '(program)') return 'V8 and Node.js native code outside any JS frame';
  if (url.includes('/src/')) return 'ringcast TypeScript (src/)';
  if (url.includes('/bench/')) return 'bench loop (bench/)';
  if (url.includes('node_modules')) return 'peer libraries (node_modules)';
  if (url.startsWith('node:')) return 'Node.js internals (node:*)';
  if (url === '') return 'native functions called from JS (addon exports, V8 builtins)';
  return 'other JavaScript';
}

/**
 * Names a frame by function and file. Line numbers are left out: tsx compiles each file
 * without a source map that the profiler would apply, so they point into compiled code.
 */
function describeFrame(functionName: string, url: string): string {
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  const file = url.startsWith('node:')
    ? url
    : path.relative(process.cwd(), url.replace(/^file:\/\//, ''));
  return `${name} (${file})`;
}

/** Sums self time per function and category over the samples inside [start, end] µs. */
export function summarizeProfile(profile: CpuProfile, window?: [number, number]) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, number>();
  const categories = new Map<string, number>();
  let timestamp = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    timestamp += profile.timeDeltas[i];
    const delta = profile.timeDeltas[i + 1] ?? 0;
    if (window !== undefined && (timestamp < window[0] || timestamp > window[1])) continue;
    const node = byId.get(profile.samples[i]);
    if (node === undefined) continue;
    const { functionName, url } = node.callFrame;
    const name = describeFrame(functionName, url);
    functions.set(name, (functions.get(name) ?? 0) + delta);
    const category = categorize(functionName, url);
    categories.set(category, (categories.get(category) ?? 0) + delta);
    total += delta;
  }
  const toEntries = (map: Map<string, number>, limit: number): ProfileEntry[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, micros]) => ({ name, share: total > 0 ? micros / total : 0 }));
  return {
    windowMs: total / 1000,
    functions: toEntries(functions, TOP_FUNCTIONS),
    categories: toEntries(categories, Infinity),
  };
}

/**
 * Runs `target` once more under --cpu-prof and summarizes the main thread's profile within
 * the window the measurement reported (the whole profile when it reported none).
 */
export async function profileTarget(
  goal: string,
  target: ProfileTarget,
  servers: ServerAddresses,
  quick: boolean,
): Promise<ProfileSummary> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringcast-bench-profile-'));
  try {
    if (!(await waitForAddon())) throw new Error('no build or prebuild of the addon was found');
    const spec: MeasureSpec = {
      scenario: target.scenario,
      caseId: target.caseId,
      contenderId: target.contenderId,
      budget: PROFILE_BUDGET,
      servers,
      quick,
    };
    const outcome = await runChild(spec, {
      timeoutMs: 180_000,
      execArgv: [
        '--cpu-prof',
        '--cpu-prof-dir',
        dir,
        '--cpu-prof-interval',
        String(SAMPLING_INTERVAL_US),
      ],
    });
    if (!outcome.ok) throw new Error(outcome.error);
    // Worker threads write their own files; the main thread's has the lowest thread id.
    const files = fs
      .readdirSync(dir)
      .filter((file) => file.endsWith('.cpuprofile'))
      .sort((a, b) => threadIdOf(a) - threadIdOf(b));
    if (files.length === 0) throw new Error('node wrote no .cpuprofile');
    const profile = JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8')) as CpuProfile;
    let summary = summarizeProfile(profile, outcome.measurement.windowMicros);
    if (summary.windowMs === 0) summary = summarizeProfile(profile);
    const native = await profileNative(spec, dir);
    return { goal, target, ...summary, ...native };
  } catch (error) {
    return {
      goal,
      target,
      windowMs: 0,
      functions: [],
      categories: [],
      native: [],
      error: (error as Error).message,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Returns the thread id in a profile file name, CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile. */
function threadIdOf(file: string): number {
  const parts = file.split('.');
  return Number(parts[parts.length - 3]);
}

/**
 * Frames left out of the native table: those that only dispatch (event loop, JS entry, API
 * call glue) and the compiler and parser, whose time is start-up rather than measurement.
 */
const DISPATCH_FRAMES = [
  /^Builtins_/,
  /^JS:/,
  /^uv_/,
  /^uv__/,
  /^0x[0-9a-f]+$/,
  /^(main|_start|start_thread|__libc_start)/,
  /^node::(Start|NodeMainInstance|SpinEventLoop|InternalCallbackScope|loader)/,
  /^node::PerIsolatePlatformData/,
  /^node::(builtins|worker|\(anonymous namespace\)::PlatformWorkerThread|fs::)/,
  /^node::(InternalMakeCallback|MakeCallback|MakeLibuvRequestCallback)/,
  /^v8::internal::(Execution|MicrotaskQueue|Builtin_HandleApiCall|FunctionCallbackArguments)/,
  /^v8::internal::(SyntheticModule|\(anonymous namespace\)::(Invoke|HandleApiCallHelper))/,
  /^v8::(Function::Call|Module::Evaluate|internal::compiler)/,
  /^v8::internal::(OptimizingCompileDispatcher|OptimizedCompilationJob)/,
  /^v8::ScriptCompiler::/,
  /^v8::internal::(Compiler::|Parser|parsing::|\(anonymous namespace\)::CompileToplevel)/,
  /^v8impl::/,
  /^Napi::details::/,
];
const NATIVE_ROWS = 20;
const NATIVE_MIN_SHARE = 0.015;

/**
 * Runs the measurement once more under `perf record -g` and lists the native symbols with
 * the largest inclusive share, so the table shows what the addon's calls spend their time
 * on. Covers the whole child process (start-up is a small part of it).
 */
async function profileNative(
  spec: MeasureSpec,
  dir: string,
): Promise<{ native: NativeEntry[]; nativeError?: string }> {
  const data = path.join(dir, 'perf.data');
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
  } catch {
    return { native: [], nativeError: 'perf is not installed' };
  }
  const outcome = await runChild(spec, {
    timeoutMs: 180_000,
    wrapper: ['perf', 'record', '-q', '-g', '-o', data, '--'],
  });
  if (!outcome.ok) return { native: [], nativeError: outcome.error };
  let report: string;
  try {
    report = execFileSync(
      'perf',
      ['report', '-i', data, '--children', '--sort', 'symbol', '--stdio', '-g', 'none'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
    );
  } catch (error) {
    return { native: [], nativeError: `perf report failed: ${(error as Error).message}` };
  }
  const native: NativeEntry[] = [];
  for (const line of report.split('\n')) {
    const match = /^\s*([\d.]+)%\s+([\d.]+)%\s+\[[.k]\]\s+(.*?)(\s+-\s+-)?\s*$/.exec(line);
    if (match === null) continue;
    const symbol = match[3];
    const inclusive = Number(match[1]) / 100;
    if (inclusive < NATIVE_MIN_SHARE) break;
    if (DISPATCH_FRAMES.some((pattern) => pattern.test(symbol))) continue;
    native.push({ symbol: symbol.slice(0, 140), inclusive, self: Number(match[2]) / 100 });
    if (native.length === NATIVE_ROWS) break;
  }
  return { native };
}
