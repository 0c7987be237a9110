/** The end-of-run output of `ringcast ingest`: a human summary or one JSON object. */
import type { IngestReport } from './ingest';

/** Formats an integer with thousands separators: 200000 -> "200,000". */
export function formatInteger(value: number): string {
  return formatDecimal(Math.round(value), 0);
}

/**
 * Formats a statistic for the summary table: integers in full with separators, other
 * values with up to 4 decimals, and magnitudes below 0.001 or from 1e15 in exponent form.
 * The JSON output carries the exact values.
 */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e15 || (magnitude < 1e-3 && magnitude !== 0)) {
    return value.toExponential(3);
  }
  return formatDecimal(value, Number.isInteger(value) ? 0 : 4);
}

/** Formats with at most `decimals` decimals, no trailing zeros, and thousands separators. */
function formatDecimal(value: number, decimals: number): string {
  // Intl.NumberFormat does this too, but its first use costs tens of milliseconds.
  const [whole, fraction = ''] = Math.abs(value).toFixed(decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  const trimmed = fraction.replace(/0+$/, '');
  const sign = value < 0 && (Number(whole) !== 0 || trimmed !== '') ? '-' : '';
  return `${sign}${grouped}${trimmed === '' ? '' : `.${trimmed}`}`;
}

/** Returns the report as the single-line JSON object that `--json` prints. */
export function formatJson(report: IngestReport): string {
  const ordered = {
    records: report.records,
    consumers: report.consumers,
    throughput: report.throughput,
    elapsedMs: report.elapsedMs,
    stats: report.stats,
    input: report.input,
    format: report.format,
    ring: report.ring,
  };
  return `${JSON.stringify(ordered)}\n`;
}

/** Returns the human summary; `color` adds bold headings (for a terminal). */
export function formatSummary(report: IngestReport, color: boolean): string {
  const bold = (text: string): string => (color ? `\x1b[1m${text}\x1b[22m` : text);
  const seconds = (report.elapsedMs / 1000).toFixed(2);
  const { name, capacity, overflow, batchSize } = report.ring;

  const lines = [
    bold(
      `Ingested ${formatInteger(report.records)} records from ${report.input} ` +
        `(${report.format}) in ${seconds} s: ${formatInteger(report.throughput)} records/s`,
    ),
    `Ring ${JSON.stringify(name)}: capacity ${formatInteger(capacity)}, overflow ${overflow}, ` +
      `batch size ${formatInteger(batchSize)}`,
    '',
    ...formatTable(
      ['consumer', 'consumed', 'lost'],
      report.consumers.map((consumer, index) => [
        String(index),
        formatInteger(consumer.consumed),
        formatInteger(consumer.lost),
      ]),
      bold,
    ),
    '',
  ];

  const fields = Object.entries(report.stats);
  if (fields.length === 0) {
    lines.push('No numeric fields: no statistics to show.');
  } else {
    lines.push(
      ...formatTable(
        ['field', 'count', 'min', 'max', 'mean', 'p50', 'p99'],
        fields.map(([field, stats]) => [
          field,
          formatInteger(stats.count),
          formatNumber(stats.min),
          formatNumber(stats.max),
          formatNumber(stats.mean),
          formatNumber(stats.p50),
          formatNumber(stats.p99),
        ]),
        bold,
      ),
    );
    lines.push('', 'p50 and p99 are nearest-rank percentiles over all values of the field.');
    const lost = report.consumers.reduce((total, consumer) => total + consumer.lost, 0);
    if (lost > 0) {
      lines.push(
        'Records overwritten before the consumer that collects their statistics read them ' +
          'are missing from the counts above.',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Lays out rows in columns: the first left-aligned, the others right-aligned. */
function formatTable(
  header: string[],
  rows: string[][],
  bold: (text: string) => string,
): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const layout = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join('  ')
      .trimEnd();
  return [bold(layout(header)), ...rows.map(layout)];
}
