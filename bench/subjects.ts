/**
 * Loads ringcast for the scenarios as its users run it: the tsc build in dist/, which
 * `npm run bench` makes first, and not the TypeScript sources through tsx, whose helpers
 * add calls the build does not make.
 */
import path from 'node:path';

import type { Client, InMemoryFormat, Ringbuffer } from '../src/index';

const DIST = path.join(__dirname, '..', 'dist');

/** Returns the built library. Loaded on demand, so the orchestrator never loads the addon. */
export function loadRingcast(): typeof import('../src/index') {
  // A require, because a worker registers tsx for require only.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(DIST, 'index.js')) as typeof import('../src/index');
}

/** Returns the built module that loads the native addon. */
export function loadBinding(): typeof import('../src/binding') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(DIST, 'binding.js')) as typeof import('../src/binding');
}

/** Returns the value codec that BINARY rings use: format v1, encoded and decoded in JS. */
export function loadValueCodec(): {
  encode: typeof import('../src/codec/encode');
  decode: typeof import('../src/codec/decode');
} {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    encode: require(path.join(DIST, 'codec', 'encode.js')) as typeof import('../src/codec/encode'),
    decode: require(path.join(DIST, 'codec', 'decode.js')) as typeof import('../src/codec/decode'),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

export interface OpenRing<T> {
  client: Client;
  ring: Ringbuffer<T>;
}

/** Returns a fresh ring of `capacity` items in `format`, named after this process. */
export async function openRingcast<T>(
  format: InMemoryFormat,
  capacity: number,
  name = `bench-${process.pid}`,
): Promise<OpenRing<T>> {
  const { createClient } = loadRingcast();
  const client = await createClient();
  const ring = await client.getRingbuffer<T>(name, { capacity, inMemoryFormat: format });
  return { client, ring };
}
