/**
 * Lifecycle: destroy (a fresh ring afterwards, waiting reads rejected), client shutdown
 * (waiting reads and later calls rejected), and AbortSignal aborts of waiting reads.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setImmediate } from 'node:timers/promises';

import {
  AbortError,
  ClientNotActiveError,
  ConfigConflictError,
  DistributedObjectDestroyedError,
  ErrorCode,
} from '../src/index';
import type { Ringbuffer } from '../src/index';
import {
  assertMessageNames,
  backend,
  countersOf,
  openRing,
  rejectionOf,
  startClient,
  track,
  uniqueName,
  WAITS,
} from './helpers/ring';
import type { CodedError } from './helpers/ring';

function assertDestroyed(err: CodedError): void {
  assert.ok(err instanceof DistributedObjectDestroyedError, `got ${err.name}`);
  assert.equal(err.code, ErrorCode.OBJECT_DESTROYED);
}

function assertNotActive(err: CodedError): void {
  assert.ok(err instanceof ClientNotActiveError, `got ${err.name}`);
  assert.equal(err.code, ErrorCode.CLIENT_NOT_ACTIVE);
}

function assertAborted(err: CodedError): void {
  assert.equal(err.name, 'AbortError');
  assert.ok(err instanceof AbortError);
  assert.equal(err.code, ErrorCode.ABORTED);
}

/**
 * Runs helpers/exit-check.ts in `mode` in a child process and returns its exit code (null
 * when it had to be killed after 8 s because something kept its event loop alive) and stderr.
 */
async function runExitCheck(mode: string): Promise<{ code: number | null; stderr: string }> {
  const script = path.join(__dirname, 'helpers', 'exit-check.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });

  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill(), 8000);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, stderr };
}

describe('destroy', { concurrency: true }, () => {
  test('destroy then get starts fresh', async (t) => {
    const { client, ring, name } = await openRing<string>(t, { capacity: 3 });
    await ring.addAll(['a', 'b', 'c', 'd']);

    await ring.destroy();
    const fresh = await client.getRingbuffer<string>(name, { capacity: 3 });

    const counters = await countersOf(fresh);
    assert.equal(counters.head, 0);
    assert.equal(counters.tail, -1);
    assert.equal(counters.size, 0);
  });

  for (const inMemoryFormat of ['BINARY', 'OBJECT'] as const) {
    test(`add after destroy reopens (${inMemoryFormat})`, async (t) => {
      const config = { capacity: 3, inMemoryFormat };
      const { client, ring, name } = await openRing<string>(t, config);
      await ring.addAll(['a', 'b']);

      await ring.destroy();
      const single = await ring.add('c');
      const last = await ring.addAll(['d', 'e']);

      assert.equal(single, 0);
      assert.equal(last, 2);
      const fresh = await client.getRingbuffer<string>(name, config);
      assert.deepEqual([...(await fresh.readMany(0, 0, 3))], ['c', 'd', 'e']);
    });
  }

  test('destroy frees the config', async (t) => {
    const { client, ring, name } = await openRing<string>(t, { capacity: 3 });
    await ring.destroy();

    const fresh = client.getRingbuffer<string>(name, { capacity: 8 });

    if (backend.kind === 'cluster') {
      // A cluster ring's config lives on the members and outlives destroy.
      const err = await rejectionOf(fresh);
      assert.ok(err instanceof ConfigConflictError, `got ${err.name}`);
      assertMessageNames(err, 'capacity=3', 'capacity=8');
    } else {
      assert.equal(await (await fresh).capacity(), 8);
    }
  });

  test('destroy rejects waiting readOne', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });

    // Tracked, because on a cluster it may reject before the destroy call returns.
    const read = track(ring.readOne(0));
    await ring.destroy();

    assertDestroyed(await rejectionOf(read.promise));
  });

  test('destroy rejects waiting readMany', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    await ring.add('a');

    const read = track(ring.readMany(0, 2, 3));
    await ring.destroy();

    assertDestroyed(await rejectionOf(read.promise));
  });

  test('destroy via other handle rejects', WAITS, async (t) => {
    const { client, ring, name } = await openRing<string>(t, { capacity: 3 });
    const other = await client.getRingbuffer<string>(name, { capacity: 3 });

    const read = track(ring.readOne(0));
    await other.destroy();

    assertDestroyed(await rejectionOf(read.promise));
  });

  test('destroy spares other rings', WAITS, async (t) => {
    const { client, ring } = await openRing<string>(t, { capacity: 3 });
    const other = await client.getRingbuffer<string>(uniqueName(), { capacity: 3 });

    const read = other.readOne(0);
    await ring.destroy();
    await other.add('alive');

    assert.equal(await read, 'alive');
  });
});

describe('shutdown', { concurrency: true }, () => {
  test('shutdown rejects waiting readOne', WAITS, async (t) => {
    const { client, ring } = await openRing<string>(t, { capacity: 3 });

    const read = track(ring.readOne(0));
    await client.shutdown();

    assertNotActive(await rejectionOf(read.promise));
  });

  test('shutdown rejects waiting readMany', WAITS, async (t) => {
    const { client, ring } = await openRing<string>(t, { capacity: 3 });

    const read = track(ring.readMany(0, 1, 3));
    await client.shutdown();

    assertNotActive(await rejectionOf(read.promise));
  });

  test('shutdown spares other clients', WAITS, async (t) => {
    const { client, ring, name } = await openRing<string>(t, { capacity: 3 });
    const otherClient = await startClient(t);
    const other = await otherClient.getRingbuffer<string>(name, { capacity: 3 });

    const read = other.readOne(0);
    // Tracked, because it rejects while the add below still waits for the cluster.
    const doomed = track(ring.readOne(0));
    await client.shutdown();
    await other.add('still-served');

    assertNotActive(await rejectionOf(doomed.promise));
    assert.equal(await read, 'still-served');
  });

  test('ring calls after shutdown reject', async (t) => {
    const { client, ring } = await openRing<string>(t, { capacity: 3 });
    await ring.add('a');
    await client.shutdown();

    const calls: Array<[string, (r: Ringbuffer<string>) => Promise<unknown>]> = [
      ['capacity', (r) => r.capacity()],
      ['size', (r) => r.size()],
      ['headSequence', (r) => r.headSequence()],
      ['tailSequence', (r) => r.tailSequence()],
      ['remainingCapacity', (r) => r.remainingCapacity()],
      ['add', (r) => r.add('b')],
      ['addAll', (r) => r.addAll(['b'])],
      ['readOne', (r) => r.readOne(0)],
      ['readMany', (r) => r.readMany(0, 0, 1)],
      ['destroy', (r) => r.destroy()],
    ];
    for (const [method, call] of calls) {
      const err = await rejectionOf(call(ring));
      assert.ok(err instanceof ClientNotActiveError, `${method}: got ${err.name}`);
      assert.equal(err.code, ErrorCode.CLIENT_NOT_ACTIVE, method);
    }
  });

  test('getRingbuffer after shutdown rejects', async (t) => {
    const client = await startClient(t);
    await client.shutdown();

    assertNotActive(await rejectionOf(client.getRingbuffer(uniqueName())));
  });

  test('process exits after shutdown', WAITS, async () => {
    const { code, stderr } = await runExitCheck('shutdown');

    assert.equal(code, 0, stderr);
  });

  test('result set survives shutdown', async (t) => {
    const { client, ring } = await openRing<{ n: number }>(t, { capacity: 3 });
    await ring.addAll([{ n: 1 }, { n: 2 }]);

    const result = await ring.readMany(0, 0, 3);
    await client.shutdown();

    assert.deepEqual([...result], [{ n: 1 }, { n: 2 }]);
  });
});

describe('abort', { concurrency: true }, () => {
  test('abort rejects waiting readOne', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    const controller = new AbortController();

    const read = ring.readOne(0, { signal: controller.signal });
    controller.abort();

    assertAborted(await rejectionOf(read));
  });

  test('abort rejects waiting readMany', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    const controller = new AbortController();
    await ring.add('a');

    const read = ring.readMany(0, 2, 3, null, { signal: controller.signal });
    controller.abort();

    assertAborted(await rejectionOf(read));
  });

  test('abort in filter rejects read', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 5 });
    const controller = new AbortController();
    await ring.addAll(['a', 'b', 'c']);
    const abortAtC = (item: string) => {
      if (item === 'c') controller.abort();
      return true;
    };

    // The read examines all three items, then would wait for two more.
    const read = ring.readMany(0, 5, 5, abortAtC, { signal: controller.signal });

    assertAborted(await rejectionOf(read));
  });

  test('shared signal prints no warning', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    const controller = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));

    // Node warns past 10 listeners of one event, and these are 20 reads on one signal.
    const reads = Array.from({ length: 20 }, () =>
      ring.readOne(0, { signal: controller.signal }),
    );
    await setImmediate();
    controller.abort();

    for (const read of reads) assertAborted(await rejectionOf(read));
    await setImmediate();
    assert.deepEqual(warnings, []);
  });

  test('abort reason becomes cause', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    const controller = new AbortController();
    const reason = new Error('consumer stopped');

    const read = ring.readOne(0, { signal: controller.signal });
    controller.abort(reason);

    assert.equal((await rejectionOf(read)).cause, reason);
  });

  test('aborted signal rejects waiting read', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });

    const err = await rejectionOf(ring.readOne(0, { signal: AbortSignal.abort() }));

    assertAborted(err);
  });

  test('abort spares other readers', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    const controller = new AbortController();

    const aborted = ring.readOne(0, { signal: controller.signal });
    const otherRead = ring.readMany(0, 1, 3);
    controller.abort();
    await rejectionOf(aborted);
    await ring.add('x');

    assert.deepEqual([...(await otherRead)], ['x']);
  });

  test('abort leaves ring usable', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    const controller = new AbortController();

    const read = ring.readMany(0, 1, 3, null, { signal: controller.signal });
    controller.abort();
    await rejectionOf(read);
    await ring.add('x');

    assert.equal(await ring.readOne(0), 'x');
    assert.equal(await ring.tailSequence(), 0);
  });

  test('process exits after abort', WAITS, async () => {
    const { code, stderr } = await runExitCheck('settled');

    assert.equal(code, 0, stderr);
  });

  test('abort removes its listener', WAITS, async (t) => {
    const { ring } = await openRing<string>(t, { capacity: 3 });
    const controller = new AbortController();

    const read = ring.readOne(0, { signal: controller.signal });
    await ring.add('x');
    await read;

    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});
