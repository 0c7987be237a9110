/**
 * Child process for lifecycle.test.ts that must exit on its own with code 0, which shows
 * that no subscription or handle keeps the event loop alive. The mode is the first argument:
 * `shutdown` leaves reads waiting and shuts the client down, and `settled` aborts one read
 * and completes another without any shutdown.
 */
import { createClient, ErrorCode } from '../../src/index';
import type { Client, Ringbuffer } from '../../src/index';

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

function expectCodes(actual: unknown[], expected: string[]): void {
  if (actual.join() !== expected.join()) {
    process.stderr.write(`unexpected results: ${actual.join()}, expected ${expected.join()}\n`);
    process.exitCode = 1;
  }
}

async function shutdownMode(client: Client, ring: Ringbuffer<string>): Promise<void> {
  const controller = new AbortController();
  const aborted = ring.readOne(0, { signal: controller.signal }).catch(errorCode);
  controller.abort();
  const waitingOne = ring.readOne(0).catch(errorCode);
  const waitingMany = ring.readMany(0, 2, 4, () => false).catch(errorCode);

  await client.shutdown();

  const codes = await Promise.all([aborted, waitingOne, waitingMany]);
  expectCodes(codes, [ErrorCode.ABORTED, ErrorCode.CLIENT_NOT_ACTIVE, ErrorCode.CLIENT_NOT_ACTIVE]);
}

async function settledMode(ring: Ringbuffer<string>): Promise<void> {
  const controller = new AbortController();
  const aborted = ring.readMany(0, 1, 4, null, { signal: controller.signal }).catch(errorCode);
  controller.abort();
  const completed = ring.readOne(0).then((item) => item, errorCode);

  await ring.add('done');

  const results = await Promise.all([aborted, completed]);
  expectCodes(results, [ErrorCode.ABORTED, 'done']);
}

async function main(mode: string | undefined): Promise<void> {
  const client = await createClient();
  const ring = await client.getRingbuffer<string>(`exit-${process.pid}`, { capacity: 4 });
  if (mode === 'shutdown') {
    await shutdownMode(client, ring);
  } else if (mode === 'settled') {
    await settledMode(ring);
  } else {
    throw new Error(`mode=${String(mode)} is invalid; expected shutdown or settled`);
  }
}

main(process.argv[2]).catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
