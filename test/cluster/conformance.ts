/**
 * Runs the behaviour suites a second time, against a real Hazelcast member, then the
 * cluster-only tests (interoperability, failover). Starts one member on a free port of
 * 127.0.0.1, passes its address to the suites through the environment, and stops it by
 * pid when the run ends, fails or is interrupted.
 *
 * Embedded-only suites do not run here: workers (threads sharing a ring), OBJECT thread
 * ownership, native-binding, codec (the embedded byte format), property (a model check of
 * the native core), cli, examples and package.
 *
 * Usage: node --import tsx test/cluster/conformance.ts [test files...]
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

import { freePorts, startMember, suiteRingConfigs, type Member } from '../helpers/member';

const ROOT = resolve(__dirname, '..', '..');

/** The suites of SPEC sections 1-6 that run on both backends. */
const CONFORMANCE_SUITES = [
  'test/model.test.ts',
  'test/add.test.ts',
  'test/read-one.test.ts',
  'test/read-many.test.ts',
  'test/ttl.test.ts',
  'test/values.test.ts',
  'test/lifecycle.test.ts',
  'test/errors.test.ts',
  'test/config.test.ts',
  'test/topic.test.ts',
];

/** Tests that need the member of this run; the failover test starts its own two. */
const CLUSTER_SUITES = [
  'test/cluster/interop.test.ts',
  'test/cluster/topic-interop.test.ts',
  'test/cluster/failover.test.ts',
];

function runTests(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...files], {
      cwd: ROOT,
      env,
      stdio: 'inherit',
    });
    child.once('exit', (code, signal) => done(code ?? (signal === null ? 1 : 128)));
  });
}

async function main(files: string[]): Promise<number> {
  const [port] = await freePorts(1);
  const clusterName = `ringcast-test-${process.pid}`;
  let member: Member | undefined;
  const stop = () => {
    if (member !== undefined) process.kill(member.pid, 'SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    member = await startMember({
      clusterName,
      port,
      memberPorts: [port],
      rings: suiteRingConfigs(),
      workDir: join(ROOT, '.cache', 'cluster'),
    });
    const env = {
      ...process.env,
      RINGCAST_TEST_BACKEND: 'cluster',
      RINGCAST_TEST_MEMBERS: member.address,
      RINGCAST_TEST_CLUSTER_NAME: clusterName,
    };
    const selected = files.length > 0 ? files : [...CONFORMANCE_SUITES, ...CLUSTER_SUITES];
    return await runTests(selected, env);
  } finally {
    await member?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
