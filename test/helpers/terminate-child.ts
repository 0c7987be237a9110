/**
 * Child process for threads-stress.test.ts. It terminates workers in the middle of waiting
 * and busy calls: two blocked in blocking reads, one waiting in an async read, one adding
 * and one reading in tight blocking loops. Then it checks that the ring still works across
 * threads and exits by itself. It prints `ok` and exits with code 0 when all is well.
 */
import path from 'node:path';

import { createClient } from '../../src/index';
import type { WorkerReport, WorkerScript } from './blocking-worker';
import { blockedCounter, startTsWorker, untilBlocked, WorkerMessages } from './threads';

const WORKER_SCRIPT = path.join(__dirname, 'blocking-worker.ts');

function start(script: WorkerScript): WorkerMessages {
  return new WorkerMessages(startTsWorker(WORKER_SCRIPT, script));
}

async function expectReport(worker: WorkerMessages, kind: WorkerReport['kind']): Promise<void> {
  const report = (await worker.next()) as WorkerReport;
  if (report.kind !== kind) {
    throw new Error(`worker reported ${JSON.stringify(report)}, expected ${kind}`);
  }
}

async function main(): Promise<void> {
  const client = await createClient();
  const waitName = `terminate-wait-${process.pid}`;
  const busyName = `terminate-busy-${process.pid}`;
  const config = { capacity: 16 };
  const ring = await client.getRingbuffer<string>(waitName, config);
  await client.getRingbuffer(busyName, config);

  const blockingOne = start({
    name: waitName,
    steps: [{ kind: 'readOne', sequence: 0, blocking: true }],
  });
  const blockingMany = start({
    name: waitName,
    steps: [{ kind: 'readMany', start: 0, min: 1, max: 4 }],
  });
  const asyncOne = start({
    name: waitName,
    steps: [{ kind: 'readOne', sequence: 0, blocking: false }],
  });
  const adder = start({ name: busyName, steps: [{ kind: 'addLoop', seconds: 30 }] });
  const reader = start({ name: busyName, steps: [{ kind: 'readLoop', seconds: 30 }] });
  const workers = [blockingOne, blockingMany, asyncOne, adder, reader];
  for (const worker of workers) await expectReport(worker, 'ready');
  await expectReport(adder, 'looping');
  await expectReport(reader, 'looping');
  await untilBlocked(waitName, 2);

  const blocked = blockedCounter(waitName);
  await Promise.all(workers.map((worker) => worker.worker.terminate()));
  if (blocked() !== 0) throw new Error(`${blocked()} threads still blocked after terminate`);

  // The ring works as before, from this thread and from a new worker.
  const late = start({ name: waitName, steps: [{ kind: 'readOne', sequence: 0, blocking: true }] });
  await expectReport(late, 'ready');
  await untilBlocked(waitName);
  await ring.add('after-terminate');
  const report = (await late.next()) as WorkerReport;
  if (report.kind !== 'read' || report.value !== 'after-terminate') {
    throw new Error(`late worker reported ${JSON.stringify(report)}`);
  }
  if ((await ring.readOne(0)) !== 'after-terminate') throw new Error('main read failed');
  await client.shutdown();
  process.stdout.write('ok\n');
}

main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
