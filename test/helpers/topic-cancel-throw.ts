/**
 * Child process for topic.test.ts: removes a listener whose onCancel throws. It prints what
 * removeMessageListener returned; the error must then end the process as an uncaught
 * exception, because nothing awaits onCancel. On the cluster backend its client connects to
 * the test member.
 */
import { createClient } from '../../src/index';
import { backend, clusterOptions } from './ring';

async function main(): Promise<void> {
  const options = backend.kind === 'cluster' ? { cluster: clusterOptions() } : {};
  const client = await createClient(options);
  const topic = await client.getReliableTopic<string>(`cancel-throw-${process.pid}`);
  const id = topic.addMessageListener({
    onMessage: () => {},
    onCancel: () => {
      throw new Error('onCancel failed on purpose');
    },
  });
  const removed = topic.removeMessageListener(id);
  process.stdout.write(`removed=${removed}\n`);
  await client.shutdown();
}

main().catch((error: unknown) => {
  process.stderr.write(`main rejected: ${String(error)}\n`);
  process.exitCode = 2;
});
