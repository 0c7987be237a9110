/**
 * A streaming reader of one JSON array of objects. Its memory use is bounded by the
 * unparsed rest of the previous chunk, one chunk of text and the records parsed from it.
 *
 * Each chunk's complete records are parsed with one JSON.parse of their text wrapped in
 * brackets. The fast path guesses where the last complete record ends (at the chunk's last
 * "}") and parses up to there. That guess is safe: when the wrapped text parses, its
 * tokens are a prefix of the input's tokens that closes at depth 0, so the "}" does end a
 * top-level value. The guess fails on a "}" of a nested value or inside a string, and on
 * invalid text. Only then does a scanner walk the characters, tracking strings and
 * nesting, to find the record boundaries and to name the line of an error.
 */
import { inputError } from './errors';

type InputRecord = Record<string, unknown>;

// Character codes.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** After this many fast-path misses in a row (nested records), only the scanner runs. */
const MAX_FAST_PATH_MISSES = 2;

/** The reader's position in the array's grammar, between records. */
const enum ArrayState {
  BeforeArray,
  BeforeFirstRecord,
  AfterComma,
  AfterRecord,
  AfterArray,
}

/** Complete records found at the start of a text, and the offset just after the last one. */
interface ParsedRecords {
  records: InputRecord[];
  end: number;
}

/** Yields the array's records in batches of `batchSize` (the last one may be smaller). */
export async function* readJsonArray(
  chunks: AsyncIterable<string>,
  source: string,
  batchSize: number,
): AsyncGenerator<InputRecord[]> {
  let state = ArrayState.BeforeArray;
  // The unparsed text, and the number of lines in the text before it, for messages.
  let text = '';
  let linesBefore = 0;
  let recordsBefore = 0;
  let fastPathMisses = 0;
  let pending: InputRecord[] = [];

  const lineAt = (offset: number): number => linesBefore + countLines(text, offset) + 1;
  const fail = (offset: number, message: string): never => {
    throw inputError(source, lineAt(offset), message);
  };

  for await (const chunk of chunks) {
    text += chunk;
    let position = 0;

    // Each pass consumes at least one character, or ends the loop to wait for more text.
    while (position < text.length) {
      position = skipWhitespace(text, position);
      if (position === text.length) {
        break;
      }
      const c = text.charCodeAt(position);

      if (state === ArrayState.BeforeArray) {
        if (c !== OPEN_BRACKET) {
          const found = quoteAt(text, position);
          fail(position, `expected a JSON array of objects, but the input starts with ${found}`);
        }
        state = ArrayState.BeforeFirstRecord;
        position++;
      } else if (state === ArrayState.AfterRecord) {
        if (c !== COMMA && c !== CLOSE_BRACKET) {
          const found = quoteAt(text, position);
          const expected = `expected "," or "]" after record ${recordsBefore}`;
          fail(position, `invalid JSON: ${expected}, got ${found}`);
        }
        state = c === COMMA ? ArrayState.AfterComma : ArrayState.AfterArray;
        position++;
      } else if (state === ArrayState.AfterArray) {
        const found = quoteAt(text, position);
        fail(position, `invalid JSON: unexpected ${found} after the end of the array`);
      } else if (c === CLOSE_BRACKET) {
        if (state === ArrayState.AfterComma) {
          fail(position, 'invalid JSON: trailing comma before "]"');
        }
        state = ArrayState.AfterArray;
        position++;
      } else if (c !== OPEN_BRACE) {
        const found = quoteAt(text, position);
        fail(position, `record ${recordsBefore + 1} is not a JSON object: it starts with ${found}`);
      } else {
        let parsed: ParsedRecords | undefined;
        if (fastPathMisses < MAX_FAST_PATH_MISSES) {
          parsed = parseToLastBrace(text, position);
        }
        if (parsed === undefined) {
          fastPathMisses++;
          parsed = scanAndParse(text, position, recordsBefore, lineAt, source);
        } else {
          fastPathMisses = 0;
        }
        if (parsed === undefined) {
          // The first record is not complete yet. NOTE: a record spanning many chunks is
          // scanned again with each one, so time grows with the square of its size.
          break;
        }
        pending = pending.length === 0 ? parsed.records : pending.concat(parsed.records);
        recordsBefore += parsed.records.length;
        position = parsed.end;
        state = ArrayState.AfterRecord;
      }
    }

    linesBefore += countLines(text, position);
    text = text.slice(position);

    let yielded = 0;
    while (pending.length - yielded >= batchSize) {
      yield pending.slice(yielded, yielded + batchSize);
      yielded += batchSize;
    }
    pending = yielded === 0 ? pending : pending.slice(yielded);
  }

  const position = skipWhitespace(text, 0);
  if (state !== ArrayState.AfterArray || position < text.length) {
    const reason =
      state === ArrayState.BeforeArray ? 'the input is empty' : 'the array is not closed';
    fail(text.length, `invalid JSON: unexpected end of input (${reason})`);
  }
  if (pending.length > 0) {
    yield pending;
  }
}

/**
 * Parses the records from `start` up to the text's last "}" (the fast path). Returns
 * undefined when that text is not a list of complete objects (see the file comment).
 */
function parseToLastBrace(text: string, start: number): ParsedRecords | undefined {
  const end = text.lastIndexOf('}') + 1;
  if (end <= start) {
    return undefined;
  }
  let records: unknown[];
  try {
    records = JSON.parse(`[${text.slice(start, end)}]`) as unknown[];
  } catch {
    return undefined;
  }
  for (const record of records) {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return undefined;
    }
  }
  return { records: records as InputRecord[], end };
}

/**
 * Scans from `start` (a "{") over complete records separated by commas, then parses them
 * (the slow path). Returns undefined when not even the first record is complete yet.
 * @throws CliError naming the line of the first invalid record or separator.
 */
function scanAndParse(
  text: string,
  start: number,
  recordsBefore: number,
  lineAt: (offset: number) => number,
  source: string,
): ParsedRecords | undefined {
  const starts: number[] = [];
  const ends: number[] = [];
  let depth = 0;
  let expectRecord = true;

  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (depth > 0) {
      if (c === QUOTE) {
        const close = findClosingQuote(text, i + 1);
        if (close === -1) {
          break;
        }
        i = close;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
      } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) {
        ends.push(i + 1);
        expectRecord = false;
      }
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      continue;
    }
    if (expectRecord && c === OPEN_BRACE) {
      starts.push(i);
      depth = 1;
    } else if (!expectRecord && c === COMMA) {
      expectRecord = true;
    } else {
      // A "]", or an invalid character: the caller's grammar check names it.
      break;
    }
  }

  if (ends.length === 0) {
    return undefined;
  }
  const end = ends[ends.length - 1];
  try {
    return { records: JSON.parse(`[${text.slice(start, end)}]`) as InputRecord[], end };
  } catch {
    // Parse the records one by one to name the invalid one.
  }
  for (let k = 0; k < ends.length; k++) {
    const recordText = text.slice(starts[k], ends[k]);
    try {
      JSON.parse(recordText);
    } catch (error) {
      const { message, position } = describeJsonError(error);
      const line = lineAt(starts[k] + (position ?? 0));
      throw inputError(source, line, `invalid JSON in record ${recordsBefore + k + 1}: ${message}`);
    }
  }
  // Every record parses alone, and the scanner checked the commas between them.
  throw inputError(source, lineAt(start), 'invalid JSON between records');
}

/**
 * Returns the offset of the quote that closes the string whose content starts at `from`
 * (a quote preceded by an even number of backslashes), or -1 when `text` ends first.
 */
function findClosingQuote(text: string, from: number): number {
  for (let quote = text.indexOf('"', from); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    let before = quote - 1;
    while (before >= from && text.charCodeAt(before) === BACKSLASH) {
      before--;
    }
    const backslashes = quote - 1 - before;
    if (backslashes % 2 === 0) {
      return quote;
    }
  }
  return -1;
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      break;
    }
    i++;
  }
  return i;
}

/** Shortens a JSON.parse message to one line and extracts the offset it names, if any. */
export function describeJsonError(error: unknown): { message: string; position?: number } {
  const raw = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(raw)?.[1];
  let message = raw
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/\s+/g, ' ');
  if (message.length > 120) {
    message = `${message.slice(0, 117)}...`;
  }
  return { message, position: position === undefined ? undefined : Number(position) };
}

function countLines(text: string, end: number): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    count++;
  }
  return count;
}

/** Returns the character at `index` of `text`, quoted for a message. */
function quoteAt(text: string, index: number): string {
  return JSON.stringify(String.fromCodePoint(text.codePointAt(index) ?? 0));
}
