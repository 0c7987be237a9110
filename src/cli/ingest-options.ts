/** Parsing and validation of the `ringcast ingest` command line. */
import path from 'node:path';
import { parseArgs } from 'node:util';

import { usageError } from './errors';

export type InputFormat = 'json' | 'ndjson' | 'csv';
export type OverflowMode = 'block' | 'overwrite';

export const INPUT_FORMATS: readonly InputFormat[] = ['json', 'ndjson', 'csv'];
export const OVERFLOW_MODES: readonly OverflowMode[] = ['block', 'overwrite'];

/** File name extensions and the format each selects when --format is not given. */
export const FORMAT_BY_EXTENSION: Readonly<Record<string, InputFormat>> = {
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.csv': 'csv',
};

/** Largest ring capacity the library accepts (2^31 - 1). */
export const MAX_CAPACITY = 2_147_483_647;
export const MAX_BATCH_SIZE = 1_000_000;
export const MAX_CONSUMERS = 64;

export const DEFAULT_CAPACITY = 10_000;
export const DEFAULT_BATCH_SIZE = 500;
export const DEFAULT_RING_NAME = 'ringcast-ingest';

/** The validated options of one `ringcast ingest` run. */
export interface IngestOptions {
  /** A file path, or `-` for standard input. */
  input: string;
  /** The input format; undefined for standard input without --format (sniffed later). */
  format: InputFormat | undefined;
  capacity: number;
  overflow: OverflowMode;
  batchSize: number;
  consumers: number;
  ringName: string;
  json: boolean;
  progress: boolean;
}

export const INGEST_HELP = `Usage: ringcast ingest <file|-> [options]

Streams records from a JSON array, NDJSON or CSV file (or standard input, "-") through an
embedded ringbuffer into consumer threads, which compute count, min, max, mean, p50 and
p99 of every numeric field.

Options:
  --format <json|ndjson|csv>   Input format. Default: from the file extension (.json,
                               .ndjson or .jsonl, .csv); for standard input, sniffed from
                               the first character ("[" is json, "{" is ndjson).
  --capacity <n>               Ring capacity in records, 1..${MAX_CAPACITY}.
                               Default ${DEFAULT_CAPACITY}.
  --overflow <block|overwrite> block: the producer waits for the slowest consumer, so no
                               record is lost. overwrite: the producer never waits and
                               each consumer counts the records it lost. Default block.
  --batch-size <n>             Records per addAll call, 1..${MAX_BATCH_SIZE}; with
                               --overflow block at most --capacity. Default ${DEFAULT_BATCH_SIZE}.
  --consumers <n>              Consumer threads, 1..${MAX_CONSUMERS}. Each reads every
                               record; record i goes into the statistics of consumer
                               i mod n. Default 1.
  --ring-name <name>           Name of the ring in this process. Default ${DEFAULT_RING_NAME}.
  --json                       Print one JSON object on stdout instead of the summary.
  --no-progress                Print no progress on stderr.
  -h, --help                   Print this help.

Percentiles are nearest-rank: pN is the value at rank ceil(N/100 * count) of the sorted
values. Exit status: 0 on success, 1 for unreadable or invalid input, 2 for usage errors.
`;

const OPTION_SPEC = {
  format: { type: 'string' },
  capacity: { type: 'string' },
  overflow: { type: 'string' },
  'batch-size': { type: 'string' },
  consumers: { type: 'string' },
  'ring-name': { type: 'string' },
  json: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The outcome of parsing: either a help request or options to run with. */
export type IngestCommandLine = { help: true } | { help: false; options: IngestOptions };

/**
 * Parses the arguments that follow `ingest`.
 * @throws CliError (code RINGCAST_CLI_USAGE) naming the option and value that are invalid.
 */
export function parseIngestArgs(args: readonly string[]): IngestCommandLine {
  const { values, positionals } = parseArgsOrThrow(args);
  if (values.help === true) {
    return { help: true };
  }

  if (positionals.length === 0) {
    throw usageError('missing input: pass a file path, or - for standard input');
  }
  if (positionals.length > 1) {
    throw usageError(
      `expected one input, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  const input = positionals[0];

  const capacity = parseInteger('--capacity', values.capacity, DEFAULT_CAPACITY, 1, MAX_CAPACITY);
  const overflow = parseChoice('--overflow', values.overflow, OVERFLOW_MODES) ?? 'block';
  const batchSize = parseInteger(
    '--batch-size',
    values['batch-size'],
    DEFAULT_BATCH_SIZE,
    1,
    MAX_BATCH_SIZE,
  );
  const consumers = parseInteger('--consumers', values.consumers, 1, 1, MAX_CONSUMERS);
  const ringName = values['ring-name'] ?? DEFAULT_RING_NAME;
  if (ringName.length === 0) {
    throw usageError('--ring-name= is invalid: expected a non-empty name');
  }

  if (overflow === 'block' && batchSize > capacity) {
    const batchSizeOption =
      values['batch-size'] === undefined ? 'the default --batch-size' : '--batch-size';
    throw usageError(
      `${batchSizeOption}=${batchSize} is invalid with --capacity=${capacity} and ` +
        '--overflow block: a batch must fit in the ring, so use a batch size of at most ' +
        `${capacity} or --overflow overwrite`,
    );
  }

  const format = parseChoice('--format', values.format, INPUT_FORMATS) ?? formatFromPath(input);

  return {
    help: false,
    options: {
      input,
      format,
      capacity,
      overflow,
      batchSize,
      consumers,
      ringName,
      json: values.json === true,
      progress: values['no-progress'] !== true,
    },
  };
}

function parseArgsOrThrow(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: OPTION_SPEC,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw usageError(describeParseArgsError(error, args));
  }
}

/** Shortens node:util parseArgs messages, which run over several lines, to one line. */
function describeParseArgsError(error: unknown, args: readonly string[]): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]*)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `unknown option '${option}' (see ringcast ingest --help)`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('does not take an argument')) {
      return `option '${option}' takes no value`;
    }
    if (message.includes('ambiguous')) {
      const next = args[args.indexOf(option) + 1];
      return (
        `option '${option}' is followed by '${next}', which looks like an option; ` +
        `to pass it as the value, write ${option}=${next}`
      );
    }
    return `option '${option}' requires a value`;
  }
  return message.split('\n')[0];
}

function parseInteger(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) {
    return fallback;
  }
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw usageError(`${name}=${text} is invalid: expected an integer from ${min} to ${max}`);
  }
  return value;
}

function parseChoice<T extends string>(
  name: string,
  text: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (text === undefined) {
    return undefined;
  }
  if (!(choices as readonly string[]).includes(text)) {
    throw usageError(`${name}=${text} is invalid: expected one of ${choices.join(', ')}`);
  }
  return text as T;
}

/** Returns the format named by the file's extension; undefined for standard input. */
function formatFromPath(input: string): InputFormat | undefined {
  if (input === '-') {
    return undefined;
  }
  const extension = path.extname(input).toLowerCase();
  const format = FORMAT_BY_EXTENSION[extension];
  if (format === undefined) {
    const known = Object.keys(FORMAT_BY_EXTENSION).join(', ');
    const found = extension === '' ? 'no extension' : `extension ${extension}`;
    throw usageError(
      `cannot tell the format of ${input} (${found}): use a file ending in ${known}, ` +
        'or pass --format json|ndjson|csv',
    );
  }
  return format;
}
