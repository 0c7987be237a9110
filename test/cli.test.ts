/**
 * `ringcast ingest` run as a child process (from source, through tsx) against the real
 * addon. Statistics are checked against a direct computation over the same input, with
 * the same nearest-rank percentiles, written here independently of src/cli/stats.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

const ROOT = path.join(__dirname, '..');
const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');
const DATA = path.join(ROOT, 'node_modules', 'vega-datasets', 'data');
const FLIGHTS_200K = path.join(DATA, 'flights-200k.json');
const FLIGHTS_20K = path.join(DATA, 'flights-20k.json');
const FLIGHTS_2K = path.join(DATA, 'flights-2k.json');

/** A child run that has not finished by then is killed, so a hang fails the test. */
const RUN_TIMEOUT_MS = 120_000;

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], stdin?: string | Buffer): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {
      // The CLI may exit (on a usage error) before reading all of standard input.
    });
    child.stdin.end(stdin);
  });
}

interface FieldStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p99: number;
}

interface JsonReport {
  records: number;
  consumers: { consumed: number; lost: number }[];
  throughput: number;
  elapsedMs: number;
  stats: Record<string, FieldStats>;
}

async function runJson(args: string[], stdin?: string): Promise<JsonReport> {
  const result = await runCli([...args, '--json'], stdin);
  assert.equal(result.status, 0, `exit status; stderr: ${result.stderr}`);
  const lines = result.stdout.split('\n').filter((line) => line.length > 0);
  assert.equal(lines.length, 1, 'stdout holds exactly one line');
  return JSON.parse(lines[0]) as JsonReport;
}

/** Value at 1-based rank ceil(p / 100 * n) of the ascending values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

/** Statistics of every field holding numbers, in order of first appearance. */
function directStats(records: Record<string, unknown>[]): Record<string, FieldStats> {
  const values = new Map<string, number[]>();
  for (const record of records) {
    for (const [field, value] of Object.entries(record)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (!values.has(field)) values.set(field, []);
      values.get(field)!.push(value);
    }
  }
  const stats: Record<string, FieldStats> = {};
  for (const [field, numbers] of values) {
    const sorted = [...numbers].sort((a, b) => a - b);
    stats[field] = {
      count: sorted.length,
      min: sorted[0],
      max: sorted[sorted.length - 1],
      mean: numbers.reduce((sum, value) => sum + value, 0) / numbers.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
    };
  }
  return stats;
}

type StatsByField = Record<string, FieldStats>;

function assertStatsEqual(actual: StatsByField, expected: StatsByField) {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), 'fields');
  for (const [field, want] of Object.entries(expected)) {
    const got = actual[field];
    assert.equal(got.count, want.count, `${field}.count`);
    assert.equal(got.min, want.min, `${field}.min`);
    assert.equal(got.max, want.max, `${field}.max`);
    assert.equal(got.p50, want.p50, `${field}.p50`);
    assert.equal(got.p99, want.p99, `${field}.p99`);
    const relative = Math.abs(got.mean - want.mean) / Math.max(Math.abs(want.mean), 1e-300);
    assert.ok(relative <= 1e-9, `${field}.mean ${got.mean} vs ${want.mean}`);
  }
}

function assertNothingLost(report: JsonReport, records: number, consumers: number) {
  assert.equal(report.records, records, 'records');
  assert.equal(report.consumers.length, consumers, 'consumer count');
  for (const [index, consumer] of report.consumers.entries()) {
    assert.equal(consumer.consumed, records, `consumer ${index} consumed`);
    assert.equal(consumer.lost, 0, `consumer ${index} lost`);
  }
}

function loadJson(file: string): Record<string, unknown>[] {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
}

/** Asserts that stderr is one line of the form `ringcast: <message> (<code>)`, no stack. */
function assertOneLineError(result: RunResult, status: number, pattern: RegExp) {
  assert.equal(result.status, status, `exit status; stderr: ${result.stderr}`);
  assert.equal(result.stdout, '', 'stdout');
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`);
  assert.ok(!result.stderr.includes('    at '), 'no stack trace');
  assert.match(lines[0], /^ringcast: .* \(RINGCAST_[A-Z_]+\)$/);
  assert.match(lines[0], pattern);
}

let dir: string;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ringcast-cli-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fixture(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe('ingest of flights JSON', () => {
  test('200k records with 3 consumers match a direct computation', async () => {
    const expected = directStats(loadJson(FLIGHTS_200K));
    const report = await runJson(['ingest', FLIGHTS_200K, '--consumers', '3']);
    assertNothingLost(report, 200_000, 3);
    assertStatsEqual(report.stats, expected);
    assert.ok(report.throughput > 0, 'throughput');
    assert.ok(report.elapsedMs > 0, 'elapsedMs');
  });

  test('20k records with 1 consumer match a direct computation', async () => {
    const expected = directStats(loadJson(FLIGHTS_20K));
    const report = await runJson(['ingest', FLIGHTS_20K]);
    assertNothingLost(report, 20_000, 1);
    assertStatsEqual(report.stats, expected);
  });

  test('block overflow with capacity 16 loses nothing', async () => {
    const expected = directStats(loadJson(FLIGHTS_20K));
    const report = await runJson([
      'ingest', FLIGHTS_20K, '--capacity', '16', '--batch-size', '7', '--consumers', '3',
    ]);
    assertNothingLost(report, 20_000, 3);
    assertStatsEqual(report.stats, expected);
  });

  test('block overflow with capacity 1 loses nothing', async () => {
    const expected = directStats(loadJson(FLIGHTS_2K));
    const report = await runJson([
      'ingest', FLIGHTS_2K, '--capacity', '1', '--batch-size', '1', '--consumers', '3',
    ]);
    assertNothingLost(report, 2_000, 3);
    assertStatsEqual(report.stats, expected);
  });

  test('summary names records, consumers and every field', async () => {
    const fields = Object.keys(directStats(loadJson(FLIGHTS_2K)));
    const args = ['ingest', FLIGHTS_2K, '--consumers', '2', '--ring-name', 'summary'];
    const result = await runCli(args);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^Ingested 2,000 records from .*flights-2k\.json \(json\) in /);
    assert.match(result.stdout, /Ring "summary": capacity 10,000, overflow block, batch size 500/);
    assert.match(result.stdout, /^0\s+2,000\s+0$/m);
    assert.match(result.stdout, /^1\s+2,000\s+0$/m);
    assert.deepEqual(fields, ['delay', 'distance']);
    for (const field of fields) {
      assert.match(result.stdout, new RegExp(`^${field}\\s+2,000\\s`, 'm'));
    }
  });
});

describe('overwrite overflow', () => {
  test('with capacity 16 and batch size 1000, every consumer reports losses', async () => {
    const report = await runJson([
      'ingest', FLIGHTS_20K, '--overflow', 'overwrite', '--capacity', '16',
      '--batch-size', '1000', '--consumers', '2',
    ]);
    assert.equal(report.records, 20_000);
    assert.equal(report.consumers.length, 2);
    for (const [index, consumer] of report.consumers.entries()) {
      assert.ok(consumer.lost > 0, `consumer ${index} lost ${consumer.lost}`);
      assert.equal(consumer.consumed + consumer.lost, 20_000, `consumer ${index} consumed + lost`);
    }
    // Each record's values are counted by one consumer, and only if it read the record.
    for (const stats of Object.values(report.stats)) {
      assert.ok(stats.count <= 20_000);
    }
  });
});

describe('ingest of CSV and NDJSON', () => {
  const flights = (): Record<string, unknown>[] => loadJson(FLIGHTS_2K);

  test('CSV with a header row matches a direct computation', async () => {
    const records = flights();
    const columns = Object.keys(records[0]);
    // Quote every text cell and one numeric column: quoted numbers are numbers too.
    const cell = (value: unknown, column: string): string =>
      typeof value === 'string' || column === 'distance'
        ? `"${String(value).replace(/"/g, '""')}"`
        : String(value);
    const rows = records.map((record) => columns.map((c) => cell(record[c], c)).join(','));
    const file = fixture('flights.csv', [columns.join(','), ...rows].join('\r\n') + '\r\n');
    const report = await runJson(['ingest', file, '--consumers', '2', '--batch-size', '64']);
    assertNothingLost(report, records.length, 2);
    assertStatsEqual(report.stats, directStats(records));
  });

  test('CSV quoting, empty cells and text columns', async () => {
    const file = fixture(
      'mixed.csv',
      'name,"value, in kg",note\n"a, b",1.5,x\nc,,"said ""hi"""\n\nd,-2e1,7\n',
    );
    const report = await runJson(['ingest', file]);
    assert.equal(report.records, 3);
    assert.deepEqual(report.stats, {
      'value, in kg': { count: 2, min: -20, max: 1.5, mean: -9.25, p50: -20, p99: 1.5 },
      note: { count: 1, min: 7, max: 7, mean: 7, p50: 7, p99: 7 },
    });
  });

  test('NDJSON matches a direct computation', async () => {
    const records = flights();
    const text = records.map((record) => JSON.stringify(record)).join('\n') + '\n\n';
    const file = fixture('flights.ndjson', text);
    const report = await runJson(['ingest', file, '--consumers', '3']);
    assertNothingLost(report, records.length, 3);
    assertStatsEqual(report.stats, directStats(records));
  });

  test('--format overrides the file extension', async () => {
    const file = fixture('records.txt', '{"a":1}\n{"a":3}\n');
    const report = await runJson(['ingest', file, '--format', 'ndjson']);
    assert.equal(report.records, 2);
    assert.deepEqual(report.stats.a, { count: 2, min: 1, max: 3, mean: 2, p50: 1, p99: 3 });
  });

  test('only top-level numbers count', async () => {
    const records = [
      { a: 1, nested: { x: 5 }, list: [1, 2] },
      { a: '2', b: 2, nested: { x: 6 } },
      { b: -3, text: 'x}]"', a: 4 },
    ];
    const file = fixture('nested.json', JSON.stringify(records, null, 2));
    const report = await runJson(['ingest', file, '--consumers', '2']);
    assert.equal(report.records, 3);
    assert.deepEqual(report.stats, {
      a: { count: 2, min: 1, max: 4, mean: 2.5, p50: 1, p99: 4 },
      b: { count: 2, min: -3, max: 2, mean: -0.5, p50: -3, p99: 2 },
    });
  });

  test('empty JSON array gives zero records', async () => {
    const file = fixture('empty-array.json', '[]\n');
    const report = await runJson(['ingest', file, '--consumers', '2']);
    assert.equal(report.records, 0);
    assert.deepEqual(report.consumers, [{ consumed: 0, lost: 0 }, { consumed: 0, lost: 0 }]);
    assert.deepEqual(report.stats, {});
  });
});

describe('ingest of standard input', () => {
  const records = [{ x: 5, y: 'a' }, { x: 1 }, { x: 3, z: 2.5 }];

  test('NDJSON is recognised without --format', async () => {
    const text = records.map((record) => JSON.stringify(record)).join('\n');
    const report = await runJson(['ingest', '-'], text);
    assert.equal(report.records, 3);
    assertStatsEqual(report.stats, directStats(records));
  });

  test('a JSON array is recognised without --format', async () => {
    const text = ` \n${JSON.stringify(records)}`;
    const report = await runJson(['ingest', '-', '--consumers', '2'], text);
    assertNothingLost(report, 3, 2);
    assertStatsEqual(report.stats, directStats(records));
  });

  test('CSV needs --format csv', async () => {
    const csv = 'x,z\n5,\n1,\n3,2.5\n';
    const report = await runJson(['ingest', '-', '--format', 'csv'], csv);
    assert.equal(report.records, 3);
    assertStatsEqual(report.stats, directStats(records));

    const result = await runCli(['ingest', '-'], csv);
    assertOneLineError(result, 2, /cannot tell the format of standard input .*--format/);
  });
});

describe('JSON array reader', () => {
  // A seeded linear congruential generator, so a failure can be replayed.
  let seed = 20_240_101;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const pick = <T>(choices: T[]): T => choices[Math.floor(random() * choices.length)];

  // Strings full of the characters the reader's scanner tracks: quotes, braces, escapes.
  const texts = ['x', 'a"}]\\', '}{', '\\', 'é😀', '\n', '},{'];
  const value = (depth: number): unknown => {
    const roll = random();
    if (depth > 2 || roll < 0.4) return pick<unknown>([1, -2.5, 0, null, true, ...texts]);
    if (roll < 0.7) return Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1));
    return object(depth + 1);
  };
  const object = (depth: number): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    const size = Math.floor(random() * 4);
    for (let i = 0; i < size; i++) result[`${pick(texts)}${i}`] = value(depth);
    return result;
  };

  test('any chunking yields the parsed records', async () => {
    const { readRecords } = await import('../src/cli/records');
    for (let round = 0; round < 300; round++) {
      const records = Array.from({ length: Math.floor(random() * 12) }, () => object(0));
      const text = JSON.stringify(records, null, random() < 0.5 ? 0 : 2);
      const cuts = Array.from({ length: 4 }, () => Math.floor(random() * text.length));
      cuts.sort((a, b) => a - b);
      async function* chunks(): AsyncGenerator<string> {
        let start = 0;
        for (const cut of [...cuts, text.length]) {
          yield text.slice(start, cut);
          start = cut;
        }
      }
      const batchSize = 1 + Math.floor(random() * 4);
      const read: unknown[] = [];
      for await (const batch of readRecords('json', chunks(), 'test.json', batchSize)) {
        assert.ok(batch.length <= batchSize, `batch of ${batch.length}`);
        read.push(...batch);
      }
      assert.deepEqual(read, records, `round ${round}, cuts ${cuts.join(',')}: ${text}`);
    }
  });
});

describe('invalid input', () => {
  test('malformed JSON names the line', async () => {
    const file = fixture('bad.json', '[\n{"a":1},\n{"a":2,\n "b":}\n]\n');
    const result = await runCli(['ingest', file]);
    assertOneLineError(result, 1, /bad\.json:3: invalid JSON in record 2/);
  });

  test('JSON record that is not an object', async () => {
    const file = fixture('numbers.json', '[{"a":1},\n\n 2]');
    const result = await runCli(['ingest', file]);
    assertOneLineError(result, 1, /numbers\.json:3: record 2 is not a JSON object/);
  });

  test('unclosed JSON array', async () => {
    const file = fixture('unclosed.json', '[{"a":1},\n{"a":2}\n');
    const result = await runCli(['ingest', file]);
    assertOneLineError(result, 1, /unclosed\.json:3: invalid JSON: unexpected end of input/);
  });

  test('malformed NDJSON line', async () => {
    const lines = Array.from({ length: 1200 }, (_, i) => JSON.stringify({ i }));
    lines[1099] = '{"i": 1099,';
    const file = fixture('bad.ndjson', lines.join('\n'));
    const result = await runCli(['ingest', file, '--consumers', '2']);
    assertOneLineError(result, 1, /bad\.ndjson:1100: invalid JSON: /);
  });

  test('CSV row with the wrong column count', async () => {
    const file = fixture('bad.csv', 'a,b,c\n1,2,3\n4,5\n');
    const result = await runCli(['ingest', file]);
    const message = /bad\.csv:3: invalid CSV: the row has 2 fields, but the header has 3 columns/;
    assertOneLineError(result, 1, message);
  });

  test('CSV header with a duplicate column', async () => {
    const file = fixture('duplicate.csv', 'a,b,a\n1,2,3\n');
    const result = await runCli(['ingest', file]);
    const message = /duplicate\.csv:1: invalid CSV header: column name "a" appears twice/;
    assertOneLineError(result, 1, message);
  });

  test('missing file', async () => {
    const file = path.join(dir, 'missing.json');
    const result = await runCli(['ingest', file]);
    const message = /missing\.json: file not found \(RINGCAST_CLI_INPUT_UNREADABLE\)/;
    assertOneLineError(result, 1, message);
  });

  test('directory', async () => {
    const folder = path.join(dir, 'folder.json');
    mkdirSync(folder, { recursive: true });
    const result = await runCli(['ingest', folder]);
    assertOneLineError(result, 1, /folder\.json: is a directory/);
  });

  test('binary file', async () => {
    const binary = readFileSync(process.execPath).subarray(0, 65536);
    const file = fixture('node-binary.json', binary);
    const result = await runCli(['ingest', file]);
    assertOneLineError(result, 1, /node-binary\.json:1: binary data \(a NUL byte\)/);
  });

  test('invalid UTF-8 names its line', async () => {
    // 0xc3 starts a two-byte sequence, but 0x28 is not a continuation byte.
    const bytes = Buffer.concat([
      Buffer.from('{"a":1}\n{"a":2}\n{"s":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}\n'),
    ]);
    const file = fixture('latin.ndjson', bytes);
    const result = await runCli(['ingest', file]);
    assertOneLineError(result, 1, /latin\.ndjson:3: invalid UTF-8/);
  });
});

describe('option validation', () => {
  const file = FLIGHTS_2K;
  const cases: [string[], RegExp][] = [
    [
      ['ingest', file, '--capacity', '0'],
      /--capacity=0 is invalid: expected an integer from 1 to 2147483647/,
    ],
    [['ingest', file, '--capacity', '12k'], /--capacity=12k is invalid/],
    [['ingest', file, '--capacity', '2147483648'], /--capacity=2147483648 is invalid/],
    [
      ['ingest', file, '--batch-size', '0'],
      /--batch-size=0 is invalid: expected an integer from 1 to 1000000/,
    ],
    [
      ['ingest', file, '--consumers', '0'],
      /--consumers=0 is invalid: expected an integer from 1 to 64/,
    ],
    [
      ['ingest', file, '--consumers', '-1'],
      /option '--consumers' is followed by '-1', .* write --consumers=-1/,
    ],
    [['ingest', file, '--consumers=-1'], /--consumers=-1 is invalid/],
    [['ingest', file, '--capacity'], /option '--capacity' requires a value/],
    [['ingest', file, '--consumers', '65'], /--consumers=65 is invalid/],
    [
      ['ingest', file, '--overflow', 'drop'],
      /--overflow=drop is invalid: expected one of block, overwrite/,
    ],
    [
      ['ingest', file, '--format', 'xml'],
      /--format=xml is invalid: expected one of json, ndjson, csv/,
    ],
    [['ingest', file, '--ring-name', ''], /--ring-name= is invalid: expected a non-empty name/],
    [
      ['ingest', file, '--capacity', '100', '--batch-size', '101'],
      /--batch-size=101 is invalid with --capacity=100 and --overflow block/,
    ],
    [
      ['ingest', file, '--capacity', '100'],
      /: the default --batch-size=500 is invalid with --capacity=100/,
    ],
    [['ingest', file, '--bogus'], /unknown option '--bogus'/],
    [['ingest', file, '--json=yes'], /option '--json' takes no value/],
    [['ingest'], /missing input: pass a file path, or - for standard input/],
    [['ingest', file, FLIGHTS_20K], /expected one input, got 2/],
    [['ingest', 'data.parquet'], /cannot tell the format of data\.parquet \(extension \.parquet\)/],
    [['export', file], /unknown command 'export'/],
  ];

  for (const [args, pattern] of cases) {
    const name = `rejects ${args.map((arg) => path.basename(arg)).join(' ')}`;
    test(name, async () => {
      const result = await runCli(args);
      assertOneLineError(result, 2, pattern);
      assert.match(result.stderr, /\(RINGCAST_CLI_USAGE\)/);
    });
  }

  test('a batch larger than the capacity is valid with overwrite', async () => {
    const report = await runJson([
      'ingest', FLIGHTS_2K, '--capacity', '100', '--batch-size', '101', '--overflow', 'overwrite',
    ]);
    assert.equal(report.records, 2000);
  });

  test('--help prints the options', async () => {
    const result = await runCli(['ingest', '--help']);
    assert.equal(result.status, 0);
    const options = [
      '--format', '--capacity', '--overflow', '--batch-size', '--consumers', '--ring-name',
      '--json', '--no-progress',
    ];
    for (const option of options) {
      assert.ok(result.stdout.includes(option), option);
    }
  });

  test('no command prints usage and exits 2', async () => {
    const result = await runCli([]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^Usage: ringcast <command>/);
  });
});
