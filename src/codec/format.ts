/**
 * Constants of the BINARY value format, version 1 (docs/FORMAT.md). They mirror
 * native/include/ringcast/codec.h, which defines the format.
 */

export const FORMAT_VERSION = 0x01;

export const Tag = {
  UNDEFINED: 0x5f,
  NULL: 0x30,
  FALSE: 0x46,
  TRUE: 0x54,
  INT32: 0x69,
  FLOAT64: 0x64,
  BIGINT: 0x5a,
  LATIN1_STRING: 0x73,
  UTF16_STRING: 0x77,
  ARRAY: 0x5b,
  OBJECT: 0x7b,
  NULL_PROTO_OBJECT: 0x4f,
  DATE: 0x44,
  BYTES: 0x42,
} as const;

/** Arrays and objects nested in one another, the outermost included. */
export const MAX_DEPTH = 1000;

/** Maximum length of one value's encoding, in bytes. */
export const MAX_ENCODED_LENGTH = 0x7fffffff;

/** V8's String::kMaxLength on 64-bit builds, in UTF-16 code units. */
export const MAX_STRING_LENGTH = 2 ** 29 - 24;

/** V8's largest BigInt, in 64-bit words. */
export const MAX_BIGINT_WORDS = 2 ** 24;

/** Buffer's undocumented fast string methods (Node.js 20), which skip the encoding lookup. */
export interface StringBuffer extends Buffer {
  latin1Write(text: string, offset: number, length: number): number;
  ucs2Write(text: string, offset: number, length: number): number;
  latin1Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
}
