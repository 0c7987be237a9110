/**
 * Workload 7: the CLI's ingest job end to end, `node dist/cli/main.js ingest <file> --json`,
 * against one thread that parses the same file and computes the same statistics.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { median, type Measurement, type MeasureSpec, type Scenario } from '../harness';

const execFileAsync = promisify(execFile);

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const INPUT = path.join('node_modules', 'vega-datasets', 'data', 'flights-200k.json');
const RUN_TIMEOUT_MS = 120_000;
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * One thread, no ring: reads the file, parses it whole and computes count, min, max, mean
 * and nearest-rank p50 and p99 of every numeric field, as `ringcast ingest` reports them.
 * Plain JavaScript, so that it starts as fast as the compiled CLI does.
 */
const BASELINE_SOURCE = `
const fs = require('node:fs');
const records = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const fields = new Map();
for (const record of records) {
  for (const key in record) {
    const value = record[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    let values = fields.get(key);
    if (values === undefined) fields.set(key, (values = []));
    values.push(value);
  }
}
const stats = {};
for (const [key, values] of fields) {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const rank = (q) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
  stats[key] = {
    count: sorted.length, min: sorted[0], max: sorted[sorted.length - 1],
    mean: sum / sorted.length, p50: rank(0.5), p99: rank(0.99),
  };
}
process.stdout.write(JSON.stringify({ records: records.length, stats }) + '\\n');
`;

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs the contender's command once; returns its wall time and its parsed JSON output. */
async function runOnce(contenderId: string): Promise<{ wallMs: number; output: any }> {
  const args =
    contenderId === 'ringcast-cli'
      ? [CLI, 'ingest', INPUT, '--json']
      : ['-e', BASELINE_SOURCE, path.join(ROOT, INPUT)];
  const start = nowMs();
  const { stdout } = await execFileAsync(process.execPath, args, {
    cwd: ROOT,
    timeout: RUN_TIMEOUT_MS,
    maxBuffer: MAX_OUTPUT_BYTES,
  });
  const wallMs = nowMs() - start;
  return { wallMs, output: JSON.parse(stdout) };
}

async function measureIngest(spec: MeasureSpec): Promise<Measurement> {
  const runs = spec.quick ? 2 : 3;
  // The first run warms the file cache and is not counted.
  await runOnce(spec.contenderId);
  const rates: number[] = [];
  const reported: number[] = [];
  const windowStart = Number(process.hrtime.bigint() / 1000n);
  for (let run = 0; run < runs; run++) {
    const { wallMs, output } = await runOnce(spec.contenderId);
    if (typeof output.records !== 'number' || output.records <= 0) {
      throw new Error(`the run reported no records: ${JSON.stringify(output).slice(0, 200)}`);
    }
    rates.push(output.records / (wallMs / 1000));
    if (typeof output.throughput === 'number') reported.push(output.throughput);
  }
  const windowEnd = Number(process.hrtime.bigint() / 1000n);
  const metrics: Record<string, number> = {};
  if (reported.length > 0) metrics.reportedThroughput = median(reported);
  return { value: median(rates), samples: rates, metrics, windowMicros: [windowStart, windowEnd] };
}

/** Returns the newest modification time of the .ts files under `dir`, in ms. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

export const scenario: Scenario = {
  id: 'ingest',
  title: '7. The ingest job end to end',
  description:
    `Runs \`node dist/cli/main.js ingest ${INPUT} --json\` (200,000 flight records through ` +
    'an embedded ring into consumer threads, with per-field statistics) and divides the ' +
    "records by the wall time of the whole process, start-up included. The CLI's own " +
    'throughput figure, which leaves out start-up, is in the last column. The peer is one ' +
    'plain-JavaScript thread that parses the whole file with `JSON.parse` and computes the ' +
    'same statistics with no ring: the floor the pipeline is measured against. Each ' +
    'measurement runs the command once to warm the file cache, then times ' +
    '2 (quick) or 3 runs.',
  cases() {
    return [
      {
        id: 'flights-200k',
        title: 'Ingest flights-200k.json: records/s end to end',
        unit: 'records/s',
        higherIsBetter: true,
        chart: true,
        contenders: [
          { id: 'ringcast-cli', label: 'ringcast ingest --json', role: 'ringcast' },
          {
            id: 'json-parse-baseline',
            label: 'one thread: JSON.parse + statistics, no ring',
            role: 'baseline',
          },
        ],
        metrics: { reportedThroughput: "CLI's reported records/s" },
      },
    ];
  },
  async prepare(log) {
    const builtAt = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
    if (builtAt >= newestSource(path.join(ROOT, 'src'))) return [];
    log(`${builtAt === 0 ? 'dist/ is missing' : 'src/ is newer than dist/'}: npm run build:ts`);
    try {
      execFileSync('npm', ['run', 'build:ts', '--silent'], { cwd: ROOT, stdio: 'inherit' });
      return [];
    } catch (error) {
      // Without dist/ there is nothing to measure; an older build is measured with a remark.
      if (builtAt === 0) throw new Error(`npm run build:ts failed: ${(error as Error).message}`);
      log('npm run build:ts failed: measuring the existing dist/, which is older than src/');
      return ['npm run build:ts failed, so this measures a dist/ older than src/.'];
    }
  },
  measure: measureIngest,
};
