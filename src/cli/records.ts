/**
 * Streaming readers that turn input text into batches of records (plain objects): a JSON
 * array of objects (in json-array.ts), NDJSON (one object per line) and CSV with a header
 * row. Memory use is about one chunk of text and the records parsed from it, whatever the
 * input size. The first invalid record is reported as `file:line: message`.
 */
import { pipeline, Readable } from 'node:stream';

import { CsvError, parse as parseCsv } from 'csv-parse';

import { inputError } from './errors';
import type { InputFormat } from './ingest-options';
import { describeJsonError, readJsonArray } from './json-array';

export type InputRecord = Record<string, unknown>;

/** Returns the reader for `format`; it yields batches of at most `batchSize` records. */
export function readRecords(
  format: InputFormat,
  chunks: AsyncIterable<string>,
  source: string,
  batchSize: number,
): AsyncGenerator<InputRecord[]> {
  switch (format) {
    case 'json':
      return readJsonArray(chunks, source, batchSize);
    case 'ndjson':
      return readNdjson(chunks, source, batchSize);
    case 'csv':
      return readCsv(chunks, source, batchSize);
  }
}

/** Reads NDJSON: one JSON object per line; blank lines are skipped. */
async function* readNdjson(
  chunks: AsyncIterable<string>,
  source: string,
  batchSize: number,
): AsyncGenerator<InputRecord[]> {
  let carry = '';
  let line = 0;
  let batch: InputRecord[] = [];

  for await (const chunk of chunks) {
    const text = carry + chunk;
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      line++;
      const record = parseNdjsonLine(text.slice(start, newline), source, line);
      start = newline + 1;
      if (record === undefined) {
        continue;
      }
      batch.push(record);
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
    carry = text.slice(start);
  }

  if (carry.length > 0) {
    const record = parseNdjsonLine(carry, source, line + 1);
    if (record !== undefined) {
      batch.push(record);
    }
  }
  if (batch.length > 0) {
    yield batch;
  }
}

/** Parses one NDJSON line; returns undefined for a blank line. */
function parseNdjsonLine(text: string, source: string, line: number): InputRecord | undefined {
  if (text.trim().length === 0) {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw inputError(source, line, `invalid JSON: ${describeJsonError(error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw inputError(source, line, `expected a JSON object, got ${kind}`);
  }
  return value as InputRecord;
}

/**
 * Reads CSV whose first non-empty row is the header (RFC 4180 quoting, through csv-parse).
 * Empty lines are skipped. Cells that look like decimal numbers become numbers; all other
 * cells stay strings.
 */
async function* readCsv(
  chunks: AsyncIterable<string>,
  source: string,
  batchSize: number,
): AsyncGenerator<InputRecord[]> {
  // With `info`, each row comes with the line it ends on, which names the header's line.
  const parser = parseCsv({
    bom: true,
    skip_empty_lines: true,
    info: true,
    // Any mix of line endings: csv-parse otherwise takes the first one it meets for all.
    record_delimiter: ['\r\n', '\n', '\r'],
  });
  // pipeline() destroys the parser with the error of the text source (an invalid byte,
  // say), and the source when iteration over the parser stops early.
  pipeline(Readable.from(chunks), parser, () => {});

  let header: string[] | undefined;
  let batch: InputRecord[] = [];
  try {
    for await (const row of parser as AsyncIterable<CsvRow>) {
      if (header === undefined) {
        header = checkHeader(row.record, source, row.info.lines);
        continue;
      }
      const record: InputRecord = {};
      for (let k = 0; k < header.length; k++) {
        record[header[k]] = parseCsvCell(row.record[k]);
      }
      batch.push(record);
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    throw describeCsvError(error, source, header);
  }
  if (batch.length > 0) {
    yield batch;
  }
}

/** A row as csv-parse yields it with the `info` option. */
interface CsvRow {
  record: string[];
  info: { lines: number };
}

function checkHeader(fields: string[], source: string, line: number): string[] {
  const seen = new Set<string>();
  for (const [index, name] of fields.entries()) {
    if (name.length === 0) {
      throw inputError(source, line, `invalid CSV header: column ${index + 1} has no name`);
    }
    if (seen.has(name)) {
      const message = `invalid CSV header: column name ${JSON.stringify(name)} appears twice`;
      throw inputError(source, line, message);
    }
    seen.add(name);
  }
  return fields;
}

const DECIMAL_NUMBER = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** Returns the cell as a number when it is a decimal number literal, else the text. */
function parseCsvCell(cell: string): unknown {
  return DECIMAL_NUMBER.test(cell) ? Number(cell) : cell;
}

function describeCsvError(error: unknown, source: string, header: string[] | undefined): unknown {
  if (!(error instanceof CsvError)) {
    // Errors of the text source (binary data) and of the header check are CliErrors.
    return error;
  }
  const details = error as CsvError & { lines?: number; record?: unknown };
  const line = details.lines ?? 0;
  if (details.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && header !== undefined) {
    const fields = Array.isArray(details.record) ? details.record.length : undefined;
    const got = fields === undefined ? 'a different number of fields' : plural(fields, 'field');
    return inputError(
      source,
      line,
      `invalid CSV: the row has ${got}, but the header has ${plural(header.length, 'column')}`,
    );
  }
  const message = error.message.replace(/ (?:at|on) line \d+/, '');
  return inputError(source, line, `invalid CSV: ${message}`);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
