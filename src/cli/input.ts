/**
 * Opening the input (a file or standard input) and turning its bytes into checked UTF-8
 * text chunks. Binary data (a NUL byte or invalid UTF-8) is rejected with its line number.
 */
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';

import { CliError, CliErrorCode, inputError, usageError } from './errors';
import type { InputFormat } from './ingest-options';

/** Bytes per read from a file; large reads keep the per-chunk overhead low. */
const READ_CHUNK_BYTES = 1 << 20;

/** An opened input. */
export interface InputSource {
  /** The name used in messages: the path as given, or `<stdin>`. */
  name: string;
  /** Size in bytes for a regular file; undefined for standard input and pipes. */
  sizeBytes: number | undefined;
  stream: Readable;
}

/** Bytes read so far, updated as chunks are decoded; read by the progress display. */
export interface ReadCounter {
  bytesRead: number;
}

/**
 * Opens `input` for reading: a file path, or `-` for standard input.
 * @throws CliError (code RINGCAST_CLI_INPUT_UNREADABLE) when the file cannot be read.
 */
export async function openInput(input: string): Promise<InputSource> {
  if (input === '-') {
    return { name: '<stdin>', sizeBytes: undefined, stream: process.stdin };
  }

  let handle: fs.FileHandle;
  try {
    handle = await fs.open(input, 'r');
  } catch (error) {
    throw unreadable(input, error);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) {
      throw new CliError(CliErrorCode.INPUT_UNREADABLE, `${input}: is a directory, not a file`);
    }
    const stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
    return { name: input, sizeBytes: stats.isFile() ? stats.size : undefined, stream };
  } catch (error) {
    await handle.close();
    throw error instanceof CliError ? error : unreadable(input, error);
  }
}

function unreadable(input: string, error: unknown): CliError {
  const code = (error as { code?: unknown }).code;
  const reasons: Record<string, string> = {
    ENOENT: 'file not found',
    EACCES: 'permission denied',
    EISDIR: 'is a directory, not a file',
    ENOTDIR: 'a component of the path is not a directory',
  };
  const reason =
    (typeof code === 'string' ? reasons[code] : undefined) ??
    `cannot be read (${error instanceof Error ? error.message : String(error)})`;
  return new CliError(CliErrorCode.INPUT_UNREADABLE, `${input}: ${reason}`);
}

/**
 * Decodes the input as UTF-8 text, one string per chunk read. A leading byte order mark is
 * dropped. A chunk never ends inside a multi-byte character.
 * @throws CliError (code RINGCAST_CLI_INPUT_INVALID) at the first NUL byte or invalid UTF-8
 *   sequence, naming its line.
 */
export async function* decodeText(
  source: InputSource,
  counter: ReadCounter,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let linesBefore = 0;
  let carry: Uint8Array = new Uint8Array(0);
  let first = true;

  for await (const chunk of source.stream as AsyncIterable<Buffer>) {
    counter.bytesRead += chunk.length;
    const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);

    const nul = bytes.indexOf(0);
    if (nul !== -1) {
      const line = linesBefore + countNewlines(bytes, nul) + 1;
      throw inputError(source.name, line, 'binary data (a NUL byte) where UTF-8 text was expected');
    }

    const end = completeUtf8Length(bytes);
    const complete = bytes.subarray(0, end);
    let text: string;
    try {
      text = decoder.decode(complete);
    } catch {
      throw invalidUtf8(source.name, complete, linesBefore);
    }
    carry = Uint8Array.prototype.slice.call(bytes, end);
    linesBefore += countNewlines(complete, complete.length);

    if (first && text.charCodeAt(0) === 0xfeff) {
      text = text.slice(1);
    }
    first = false;
    if (text.length > 0) {
      yield text;
    }
  }

  if (carry.length > 0) {
    const message = 'invalid UTF-8: the input ends inside a character';
    throw inputError(source.name, linesBefore + 1, message);
  }
}

/**
 * Peeks at the first non-whitespace character to choose a format for standard input:
 * `[` starts a JSON array and `{` the first NDJSON record. Records must be objects, so no
 * valid JSON or NDJSON input starts otherwise.
 * @throws CliError (code RINGCAST_CLI_USAGE) when the first character is anything else.
 */
export async function sniffFormat(
  chunks: AsyncGenerator<string>,
): Promise<{ format: InputFormat; chunks: AsyncGenerator<string> }> {
  const peeked: string[] = [];
  let format: InputFormat | undefined;
  let firstCharacter: string | undefined;

  for (;;) {
    const next = await chunks.next();
    if (next.done === true) {
      break;
    }
    peeked.push(next.value);
    const match = /\S/.exec(next.value);
    if (match !== null) {
      firstCharacter = match[0];
      if (firstCharacter === '[') {
        format = 'json';
      } else if (firstCharacter === '{') {
        format = 'ndjson';
      }
      break;
    }
  }

  if (format === undefined) {
    const seen =
      firstCharacter === undefined
        ? 'it is empty'
        : `it starts with ${JSON.stringify(firstCharacter)}`;
    throw usageError(
      `cannot tell the format of standard input (${seen}): pass --format json|ndjson|csv`,
    );
  }
  return { format, chunks: prepend(peeked, chunks) };
}

async function* prepend(head: string[], rest: AsyncGenerator<string>): AsyncGenerator<string> {
  yield* head;
  yield* rest;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < end; i = bytes.indexOf(10, i + 1)) {
    count++;
  }
  return count;
}

/** Returns the length of the longest prefix of `bytes` that ends on a character boundary. */
function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  // A sequence is at most 4 bytes, so only the last 3 bytes can start an incomplete one.
  for (let back = 1; back <= Math.min(3, n); back++) {
    const byte = bytes[n - back];
    if ((byte & 0xc0) === 0x80) {
      continue;
    }
    // The lead byte's high bits give the sequence length.
    let length = 1;
    if (byte >= 0xf0) {
      length = 4;
    } else if (byte >= 0xe0) {
      length = 3;
    } else if (byte >= 0xc0) {
      length = 2;
    }
    return length > back ? n - back : n;
  }
  return n;
}

function invalidUtf8(name: string, bytes: Uint8Array, linesBefore: number): CliError {
  const offset = firstInvalidUtf8Offset(bytes);
  const line = linesBefore + countNewlines(bytes, offset) + 1;
  return inputError(name, line, 'invalid UTF-8 (is this a binary file?)');
}

/**
 * Returns the offset of the first byte that does not belong to a well-formed UTF-8
 * sequence (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let secondMin = 0x80;
    let secondMax = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) secondMin = 0xa0;
      if (lead === 0xed) secondMax = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) secondMin = 0x90;
      if (lead === 0xf4) secondMax = 0x8f;
    } else {
      return i;
    }
    if (i + length > bytes.length) {
      return i;
    }
    const second = bytes[i + 1];
    if (second < secondMin || second > secondMax) {
      return i;
    }
    for (let k = 2; k < length; k++) {
      if ((bytes[i + k] & 0xc0) !== 0x80) {
        return i;
      }
    }
    i += length;
  }
  return bytes.length;
}
