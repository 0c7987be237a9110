/** Opens ringcast rings for the scenarios through the public TypeScript API. */
import type { Client, InMemoryFormat, Ringbuffer } from '../src/index';

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
  // Loaded on demand, so that the orchestrator never loads the native addon. A require,
  // because a worker registers tsx for require only.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createClient } = require('../src/index') as typeof import('../src/index');
  const client = await createClient();
  const ring = await client.getRingbuffer<T>(name, { capacity, inMemoryFormat: format });
  return { client, ring };
}
