/**
 * Inputs and thread events that once crashed the process or stored what the contract
 * forbids: a terminated busy worker, Proxies, a getter that edits the batch being added,
 * and names that differ only in lone surrogates.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';

import { ErrorCode } from '../src/index';
import { rejectionOf, startClient, uniqueName } from './helpers/ring';

const SRC_INDEX = path.join(__dirname, '..', 'src', 'index.ts');
const TSX_REGISTER = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();`;

/** Runs `script` (plain JavaScript) in a child process; resolves with its exit code. */
function runChild(script: string, limitMs: number): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['-e', script], { stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill(), limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('robustness', () => {
  // Worker.terminate() while the worker is inside a ring call: napi_throw fails in a
  // terminating thread, and unless NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS is defined,
  // node-addon-api's rethrow reaches std::terminate and aborts the whole process.
  test('busy worker terminate keeps process', { timeout: 120_000 }, async () => {
    const workerBody =
      `const { parentPort, workerData } = require('node:worker_threads');` +
      `(async () => {` +
      `  const client = await createClient();` +
      `  const ring = await client.getRingbuffer(workerData.name, { capacity: 64 });` +
      `  parentPort.postMessage('up');` +
      `  const end = Date.now() + 10000;` +
      `  for (let i = 0; i < 1e7 && Date.now() < end; i++) {` +
      `    await ring.add({ i, s: 'x'.repeat(64) });` +
      `    await ring.readMany(0, 0, 64);` +
      `  }` +
      `})();`;
    const script =
      `const { Worker } = require('node:worker_threads');` +
      `const code = ${JSON.stringify(
        TSX_REGISTER + `const { createClient } = require(${JSON.stringify(SRC_INDEX)});`,
      )} + ${JSON.stringify(workerBody)};` +
      `(async () => {` +
      `  for (let round = 0; round < 12; round++) {` +
      `    const workerData = { name: 'terminate-' + process.pid };` +
      `    const w = new Worker(code, { eval: true, workerData });` +
      `    await new Promise((resolve) => w.once('message', resolve));` +
      `    await new Promise((resolve) => setTimeout(resolve, 20 + (round % 7) * 5));` +
      `    await w.terminate();` +
      `  }` +
      `  console.log('survived');` +
      `})();`;

    const { code, out } = await runChild(script, 110_000);

    assert.equal(code, 0, out);
    assert.match(out, /survived/);
  });

  // Node-API reports a Proxy's prototype as null and napi_is_array is false for it, so
  // without a check a Proxy is stored as a null-prototype object and its contents are lost.
  test('proxied array rejected, nothing stored', async (t) => {
    const client = await startClient(t);
    const ring = await client.getRingbuffer<unknown>(uniqueName('proxy-array'), { capacity: 4 });

    const error = await rejectionOf(ring.add(new Proxy([1, 2, 3], {})));

    assert.ok(error instanceof TypeError);
    assert.equal(error.code, ErrorCode.INVALID_VALUE);
    assert.match(error.message, /item is a Proxy/);
    assert.equal(await ring.size(), 0);
  });

  test('proxied Map rejected, nothing stored', async (t) => {
    const client = await startClient(t);
    const ring = await client.getRingbuffer<unknown>(uniqueName('proxy-map'), { capacity: 4 });

    const error = await rejectionOf(ring.add(new Proxy(new Map([['k', 1]]), {})));

    assert.ok(error instanceof TypeError);
    assert.equal(error.code, ErrorCode.INVALID_VALUE);
    assert.equal(await ring.size(), 0);
  });

  // The TypeScript layer checks items[i] for null and undefined before the native layer
  // reads items[i] again to encode it. A getter that runs in between can empty a slot, so
  // a top-level undefined is stored, where the contract is a TypeError.
  test('addAll stores no top-level undefined', async (t) => {
    const client = await startClient(t);
    const ring = await client.getRingbuffer<unknown>(uniqueName('hole'), { capacity: 4 });
    const items: unknown[] = [];
    items.push(
      {
        get x() {
          items[1] = undefined;
          return 1;
        },
      },
      2,
    );

    const last = await ring.addAll(items);

    const read = await ring.readMany(0, 0, 4);
    assert.equal(last, 1);
    assert.deepEqual([...read], [{ x: 1 }, 2]);
  });

  // The registry keys rings by UTF-8, where every lone surrogate becomes U+FFFD, so names
  // that differ only there would share one ring: they are rejected instead.
  test('lone-surrogate name rejected', async (t) => {
    const client = await startClient(t);
    const base = uniqueName('surrogate');

    for (const name of [`${base}\uD800`, `${base}\uDC00x`]) {
      const error = await rejectionOf(client.getRingbuffer<string>(name));
      assert.ok(error instanceof TypeError);
      assert.equal(error.code, ErrorCode.INVALID_ARGUMENT);
    }
    const paired = await client.getRingbuffer<string>(`${base}\uD83D\uDE00`);
    assert.equal(await paired.size(), 0);
  });
});
