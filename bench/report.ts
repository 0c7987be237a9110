/** Writes a run's results as RESULTS.md and as an SVG bar chart of the throughput ratios. */
import type { GoalResult } from './goals';
import type { CaseResult, ContenderResult, Summary } from './harness';
import type { ProfileSummary } from './profile';

export interface MachineInfo {
  node: string;
  v8: string;
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  os: string;
  /** os.loadavg() before and after the run: 1, 5 and 15 minutes. */
  loadBefore: number[];
  loadAfter: number[];
  busy: boolean;
  busyReason?: string;
  servers: Record<string, string>;
  missingServers: Record<string, string>;
}

export interface ScenarioResult {
  id: string;
  title: string;
  description: string;
  cases: CaseResult[];
}

export interface RunResults {
  date: string;
  command: string;
  quick: boolean;
  only: string[] | undefined;
  rounds: number;
  wallMs: number;
  machine: MachineInfo;
  scenarios: ScenarioResult[];
  goals: GoalResult[];
  profiles: ProfileSummary[];
}

// --- number formatting ---

function formatCount(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `${(value / 1e9).toFixed(2)}G`;
  if (magnitude >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (magnitude >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(magnitude >= 100 ? 0 : 1);
}

function formatBytes(value: number): string {
  return `${(value / 1e6).toFixed(1)} MB`;
}

/** Formats a value in the unit of its case. */
function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'bytes') return formatBytes(value);
  if (unit.startsWith('us')) return `${value.toFixed(1)} us`;
  return formatCount(value);
}

function formatMetric(key: string, value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (key.endsWith('Bytes')) return formatBytes(value);
  if (key.endsWith('Us')) return value.toFixed(1);
  if (key.endsWith('PerItem')) return value.toFixed(1);
  return formatCount(value);
}

export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return `${value.toFixed(0)}x`;
  if (value >= 10) return `${value.toFixed(1)}x`;
  if (value >= 0.01) return `${value.toFixed(2)}x`;
  return `${value.toPrecision(2)}x`;
}

function formatSpread(summary: Summary): string {
  return Number.isFinite(summary.spread) ? `±${((summary.spread * 100) / 2).toFixed(0)}%` : 'n/a';
}

function formatRatioSummary(summary: Summary): string {
  if (summary.count === 1) return formatRatio(summary.median);
  return `${formatRatio(summary.median)} [${formatRatio(summary.min)}–${formatRatio(summary.max)}]`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

// --- markdown ---

function renderCase(result: CaseResult): string[] {
  const subjects = result.contenders.filter((c) => c.role === 'ringcast' && c.status === 'ok');
  const metricKeys = Object.keys(result.metrics ?? {});
  const header = [
    'contender',
    `median (${result.unit})`,
    'spread',
    ...metricKeys.map((key) => result.metrics![key]),
    ...subjects.map((subject) => `${subject.label} ÷ this`),
  ];

  const lines = [
    `### ${result.title}`,
    '',
    `| ${header.map(escapeCell).join(' | ')} |`,
    `|${header.map((_, index) => (index === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  const skipped: ContenderResult[] = [];
  for (const contender of result.contenders) {
    if (contender.summary === undefined) {
      skipped.push(contender);
      continue;
    }
    const cells = [
      contender.role === 'ringcast' ? `**${contender.label}**` : contender.label,
      formatValue(contender.summary.median, result.unit),
      formatSpread(contender.summary),
      ...metricKeys.map((key) => {
        const summary = contender.metricSummaries[key];
        return summary === undefined ? 'n/a' : formatMetric(key, summary.median);
      }),
      ...subjects.map((subject) => {
        if (subject === contender) return '1';
        const ratio = result.ratios.find(
          (r) => r.subject === subject.id && r.peer === contender.id,
        );
        return ratio === undefined ? 'n/a' : formatRatioSummary(ratio.summary);
      }),
    ];
    lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
  }

  lines.push('');
  for (const contender of skipped) {
    lines.push(`- ${contender.label}: ${contender.status}: ${contender.reason ?? 'no result'}`);
  }
  for (const note of result.notes ?? []) lines.push(`- ${note}`);

  const loadLine =
    `Rounds: ${result.contenders.find((c) => c.summary)?.summary?.count ?? 0}; ` +
    `wall time ${(result.wallMs / 1000).toFixed(0)} s; 1-minute load average ` +
    `${result.loadBefore.toFixed(2)} before, up to ${result.loadPeak.toFixed(2)} at a ` +
    `round's end.`;
  lines.push(`<sub>${loadLine}</sub>`, '');
  return lines;
}

function renderGoal(goal: GoalResult, profile: ProfileSummary | undefined): string[] {
  let status: string = goal.status;
  if (goal.status === 'missed') status = '**missed**';
  const lines = [`### ${goal.title}: ${status}`, ''];
  for (const check of goal.checks) {
    lines.push(`- ${check.met ? 'met' : '**missed**'}: ${check.subject}: ${check.bound}`);
  }
  for (const remark of goal.remarks) lines.push(`- ${remark}`);
  if (profile !== undefined) {
    lines.push('', `Where the time goes (\`node --cpu-prof\`, ${profile.target.label}):`, '');
    if (profile.error !== undefined) {
      lines.push(`- the profile failed: ${profile.error}`);
    } else {
      lines.push(
        `Self time over ${profile.windowMs.toFixed(0)} ms of samples in the measured window, ` +
          'by category and by function. A thin method that wraps one native call shows the ' +
          'native time as its own, because an N-API callback gets no frame in V8 profiles.',
        '',
        '| category | share |',
        '| --- | ---: |',
        ...profile.categories.map(
          (entry) => `| ${escapeCell(entry.name)} | ${percent(entry.share)} |`,
        ),
        '',
        '| function (file) | self share |',
        '| --- | ---: |',
        ...profile.functions.map(
          (entry) => `| ${escapeCell(entry.name)} | ${percent(entry.share)} |`,
        ),
      );
    }
    if (profile.native.length > 0) {
      lines.push(
        '',
        'Inside the native calls (`perf record -g`, whole process; inclusive share counts ' +
          'the time of everything the symbol called, self share its own code):',
        '',
        '| native symbol | inclusive | self |',
        '| --- | ---: | ---: |',
        ...profile.native.map(
          (entry) =>
            `| \`${escapeCell(entry.symbol)}\` | ${percent(entry.inclusive)} | ` +
            `${percent(entry.self)} |`,
        ),
      );
    } else if (profile.nativeError !== undefined) {
      lines.push('', `No native breakdown: ${profile.nativeError}.`);
    }
  }
  lines.push('');
  return lines;
}

function formatLoad(load: number[]): string {
  return load.map((value) => value.toFixed(2)).join(', ');
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

export function renderMarkdown(results: RunResults, chartFile: string): string {
  const { machine } = results;
  const caseMs = results.scenarios.reduce(
    (sum, scenario) => sum + scenario.cases.reduce((total, c) => total + c.wallMs, 0),
    0,
  );
  const lines = [
    '# ringcast benchmark results',
    '',
    `Written by \`${results.command}\` on ${results.date}: a ${results.quick ? 'quick' : 'full'} ` +
      `run${results.only ? ` of ${results.only.join(', ')}` : ''}, ${results.rounds} rounds, ` +
      `${(results.wallMs / 60000).toFixed(1)} minutes, of which the measurements took ` +
      `${(caseMs / 60000).toFixed(1)}. The raw numbers are in results.json.`,
    '',
    '## Machine',
    '',
    '| | |',
    '| --- | --- |',
    `| Node.js | ${machine.node} (V8 ${machine.v8}) |`,
    `| CPU | ${machine.cpuModel}, ${machine.cores} cores |`,
    `| memory | ${(machine.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB |`,
    `| OS | ${machine.os} |`,
    `| load average (1, 5, 15 min) before | ${formatLoad(machine.loadBefore)} |`,
    `| load average (1, 5, 15 min) after | ${formatLoad(machine.loadAfter)} |`,
    ...Object.entries(machine.servers).map(([kind, version]) => `| ${kind} | ${version} |`),
    ...Object.entries(machine.missingServers).map(
      ([kind, reason]) => `| ${kind} | not run: ${reason} |`,
    ),
    '',
  ];
  if (machine.busy) {
    lines.push(
      `> **Warning: the machine was busy** (${machine.busyReason}). Other processes shared ` +
        'the CPU, so absolute numbers are low and spreads wide; the per-round ratios, ' +
        'measured minutes apart at most, are the figures to trust.',
      '',
    );
  }
  lines.push(
    '## How to read and rerun',
    '',
    '- `npm run bench` runs everything (about an hour on 2 cores) and rewrites ' +
      'bench/RESULTS.md, bench/chart.svg and bench/results.json. `npm run bench -- --quick` ' +
      'runs a short version (small objects only, fewer rounds, a few minutes) and ' +
      '`npm run bench -- --only <scenario>` one part; both write to bench/out/. ' +
      '`--help` lists the scenarios and options.',
    '- Each measurement runs in a fresh node process, warms up, then takes timed samples ' +
      'and reports their median. A case runs in rounds: each round measures every contender ' +
      'once, in the listed order on even rounds and reversed on odd ones.',
    '- **median** is the median over the rounds, and **spread** is ±half the range ' +
      '(max − min) / median across rounds.',
    '- **X ÷ this** is computed per round (the two processes of the same round) and shown ' +
      'as the median [min–max] over the rounds. For throughput, above 1 means ringcast is ' +
      'faster; for bytes and latency, below 1 means ringcast uses less.',
    '- Redis and NATS run on 127.0.0.1, started by the bench with a private port and config ' +
      'and no persistence; byte-storing peers encode small objects with msgpackr.',
    '',
    `![Throughput ratios, ringcast ÷ peer, log scale](${chartFile})`,
    '',
    '## Goals',
    '',
    'The goals are reported, not asserted. Each missed goal is followed by a CPU profile ' +
      'of its worst case.',
    '',
    '| goal | result |',
    '| --- | --- |',
    ...results.goals.map((goal) => `| ${escapeCell(goal.title)} | ${goal.status} |`),
    '',
  );
  for (const goal of results.goals) {
    const profile = results.profiles.find((p) => p.goal === goal.id);
    lines.push(...renderGoal(goal, profile));
  }
  for (const scenario of results.scenarios) {
    lines.push(`## ${scenario.title}`, '', scenario.description, '');
    for (const result of scenario.cases) lines.push(...renderCase(result));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

// --- SVG chart ---

interface ChartRow {
  label: string;
  /** Ratios per subject, in subject order, with undefined where a subject has none. */
  ratios: (number | undefined)[];
}

interface ChartGroup {
  title: string;
  subjects: string[];
  rows: ChartRow[];
}

const COLORS = ['#1f5fa8', '#e08a1e', '#5a9e46'];

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Collects the chart's rows: one per peer of each chart case, one bar per ringcast contender. */
function chartGroups(results: RunResults): ChartGroup[] {
  const groups: ChartGroup[] = [];
  for (const scenario of results.scenarios) {
    for (const result of scenario.cases) {
      const otherShape = result.id.startsWith('string') || result.id.startsWith('buffer');
      if (!result.chart || otherShape) continue;
      const subjects = result.contenders.filter((c) => c.role === 'ringcast' && c.status === 'ok');
      if (subjects.length === 0) continue;
      const rows: ChartRow[] = [];
      for (const peer of result.contenders) {
        if (peer.role === 'ringcast' || peer.summary === undefined) continue;
        const ratios = subjects.map(
          (subject) =>
            result.ratios.find((r) => r.subject === subject.id && r.peer === peer.id)?.summary
              .median,
        );
        if (ratios.some((ratio) => ratio !== undefined)) rows.push({ label: peer.label, ratios });
      }
      if (rows.length > 0) {
        groups.push({ title: result.title, subjects: subjects.map((s) => s.label), rows });
      }
    }
  }
  return groups;
}

/** Formats the axis tick 10^exponent: 0.001x, 0.1x, 1x, 100x. */
function formatTick(exponent: number): string {
  return exponent < 0 ? `0.${'0'.repeat(-exponent - 1)}1x` : `${10 ** exponent}x`;
}

/**
 * Renders horizontal bars of ringcast ÷ peer on a log scale, starting at 1x: a bar to the
 * right means ringcast is faster. Only the small-object cases are drawn, so a quick run and
 * a full run give the same chart layout.
 */
export function renderChart(results: RunResults): string {
  const groups = chartGroups(results);
  const width = 960;
  const labelWidth = 330;
  const plotLeft = labelWidth + 10;
  const plotWidth = width - plotLeft - 70;
  const barHeight = 9;
  const rowGap = 4;
  const groupGap = 28;
  const top = 70;

  const allRatios = groups.flatMap((g) => g.rows.flatMap((r) => r.ratios)).filter(
    (ratio): ratio is number => ratio !== undefined && ratio > 0 && Number.isFinite(ratio),
  );
  const minExponent = Math.min(-1, Math.floor(Math.log10(Math.min(1, ...allRatios))));
  const maxExponent = Math.max(1, Math.ceil(Math.log10(Math.max(1, ...allRatios))));
  const x = (ratio: number) =>
    plotLeft + ((Math.log10(ratio) - minExponent) / (maxExponent - minExponent)) * plotWidth;

  const parts: string[] = [];
  let y = top;
  for (const group of groups) {
    parts.push(
      `<text x="8" y="${y + 12}" font-weight="bold">${escapeXml(group.title)}</text>`,
    );
    y += 20;
    for (const row of group.rows) {
      const rowHeight = group.subjects.length * barHeight + rowGap;
      parts.push(
        `<text x="${labelWidth}" y="${y + rowHeight / 2 + 3}" text-anchor="end">` +
          `${escapeXml(row.label)}</text>`,
      );
      row.ratios.forEach((ratio, index) => {
        if (ratio === undefined || !(ratio > 0)) return;
        const x0 = x(1);
        const x1 = x(ratio);
        const barY = y + index * barHeight;
        const text = formatRatio(ratio);
        // A label left of a long bar would run into the row labels: put it inside the bar.
        const inside = ratio < 1 && x1 - 3 - text.length * 5 < plotLeft;
        const textX = ratio >= 1 || inside ? x1 + 3 : x1 - 3;
        parts.push(
          `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${barY}" ` +
            `width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" ` +
            `height="${barHeight - 1}" fill="${COLORS[index % COLORS.length]}"/>`,
          `<text x="${textX.toFixed(1)}" y="${barY + barHeight - 2}" font-size="9" ` +
            `text-anchor="${ratio >= 1 || inside ? 'start' : 'end'}"` +
            `${inside ? ' fill="#fff"' : ''}>${text}</text>`,
        );
      });
      y += rowHeight;
    }
    parts.push(
      `<text x="${labelWidth}" y="${y + 10}" text-anchor="end" font-size="9" fill="#555">` +
        `bars: ${escapeXml(group.subjects.join(' / '))}</text>`,
    );
    y += groupGap;
  }
  const height = y + 30;

  const axis: string[] = [];
  for (let exponent = minExponent; exponent <= maxExponent; exponent++) {
    const gx = x(10 ** exponent).toFixed(1);
    axis.push(
      `<line x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${height - 30}" ` +
        `stroke="${exponent === 0 ? '#000' : '#ddd'}"/>`,
      `<text x="${gx}" y="${top - 12}" text-anchor="middle" font-size="10">` +
        `${formatTick(exponent)}</text>`,
    );
  }
  const legend = COLORS.slice(0, 2).map(
    (color, index) =>
      `<rect x="${8 + index * 330}" y="30" width="10" height="10" fill="${color}"/>` +
      `<text x="${22 + index * 330}" y="39" font-size="11">${
        index === 0
          ? "first ringcast row of the case (BINARY, codec or CLI)"
          : 'ringcast OBJECT'
      }</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">ringcast ÷ peer, small objects, ` +
      `log scale (right of 1x: ringcast faster) — ${escapeXml(results.date.slice(0, 10))}</text>`,
    ...legend,
    ...axis,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
