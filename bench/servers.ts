/**
 * Starts the servers of the server peers on 127.0.0.1, each on a free port with a private
 * config in a temporary folder and no persistence, and stops them by process id.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import {
  HAZELCAST_VERSION,
  memberJar,
  startMember,
  type MemberRingConfig,
} from '../test/helpers/member';
import type { ServerAddresses, ServerKind } from './harness';
import {
  BENCH_CLUSTER_NAME,
  BENCH_RING_CAPACITY,
  BENCH_RING_PREFIX,
  warmUpMember,
} from './peers/hazelcast';

const HOST = '127.0.0.1';
const READY_ATTEMPTS = 100;
const READY_INTERVAL_MS = 100;
const STOP_TIMEOUT_MS = 5000;
/** A member's JVM takes a few seconds to start, longer on a loaded machine. */
const MEMBER_START_TIMEOUT_MS = 90_000;

/** A server that cannot run on this machine: a binary, package or file is missing. */
class MissingServerError extends Error {}

/** A server started from the binary of a Debian package. */
interface ServerDefinition {
  binary: string;
  /** Debian package that provides the binary. */
  debianPackage: string;
  versionArgs: string[];
  /** Writes the config into `dir` and returns the binary's arguments. */
  configure(dir: string, port: number): string[];
}

/** The servers the bench starts from a binary; startMemberServer starts the Hazelcast member. */
const SERVERS: Record<Exclude<ServerKind, 'hazelcast'>, ServerDefinition> = {
  redis: {
    binary: 'redis-server',
    debianPackage: 'redis-server',
    versionArgs: ['--version'],
    configure(dir, port) {
      const config = [
        `bind ${HOST}`,
        `port ${port}`,
        'protected-mode yes',
        'daemonize no',
        'save ""',
        'appendonly no',
        `dir ${dir}`,
        'databases 1',
      ];
      const file = path.join(dir, 'redis.conf');
      fs.writeFileSync(file, `${config.join('\n')}\n`);
      return [file];
    },
  },
  nats: {
    binary: 'nats-server',
    debianPackage: 'nats-server',
    versionArgs: ['--version'],
    configure(dir, port) {
      // JetStream needs a store folder even though the bench's streams are in memory.
      const config = [
        `listen: "${HOST}:${port}"`,
        'jetstream {',
        `  store_dir: "${path.join(dir, 'jetstream')}"`,
        '  max_memory_store: 4GB',
        '  max_file_store: 64MB',
        '}',
      ];
      const file = path.join(dir, 'nats.conf');
      fs.writeFileSync(file, `${config.join('\n')}\n`);
      return ['-c', file];
    },
  },
};

interface RunningServer {
  kind: ServerKind;
  port: number;
  /** Version line of the server. */
  version: string;
  /** Stops the server by process id and removes its folder. */
  stop(): Promise<void>;
}

export interface ServerSet {
  addresses: ServerAddresses;
  /** Reasons that servers are not running, by kind. */
  missing: Partial<Record<ServerKind, string>>;
  /** Version line of each running server. */
  versions: Partial<Record<ServerKind, string>>;
  stop(): Promise<void>;
}

/** Returns the path of `name` on PATH or in the sbin folders, or undefined. */
function findBinary(name: string): string | undefined {
  const searchPath = process.env.PATH ?? '';
  const folders = [...searchPath.split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const folder of folders) {
    if (folder === '') continue;
    const candidate = path.join(folder, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

/** Returns a port that was free on 127.0.0.1 a moment ago. */
async function findFreePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once a TCP connection to `port` succeeds; rejects after READY_ATTEMPTS tries. */
async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, HOST);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    await new Promise((resolve) => setTimeout(resolve, READY_INTERVAL_MS));
  }
  throw new Error(`not accepting connections on ${HOST}:${port} after ${READY_ATTEMPTS} tries`);
}

/** Stops `child` with SIGTERM, then SIGKILL after STOP_TIMEOUT_MS, by its process id. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function startBinaryServer(
  kind: Exclude<ServerKind, 'hazelcast'>,
): Promise<RunningServer> {
  const definition = SERVERS[kind];
  const binary = findBinary(definition.binary);
  if (binary === undefined) {
    throw new MissingServerError(
      `${definition.binary} not found; install it with ` +
        `apt-get install -y ${definition.debianPackage}`,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ringcast-bench-${kind}-`));
  const port = await findFreePort();
  const args = definition.configure(dir, port);
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  try {
    await waitForPort(port, child);
  } catch (error) {
    await stopProcess(child);
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`${binary} ${(error as Error).message} ${stderr.trim()}`.trim());
  }
  return {
    kind,
    port,
    version: execFileSync(binary, definition.versionArgs, { encoding: 'utf8' }).trim(),
    async stop() {
      await stopProcess(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The member's one ring config: every BENCH_RING_PREFIX ring, overwriting, no expiry. */
const MEMBER_RINGS: MemberRingConfig[] = [
  {
    name: `${BENCH_RING_PREFIX}*`,
    capacity: BENCH_RING_CAPACITY,
    timeToLiveSeconds: 0,
    inMemoryFormat: 'BINARY',
    // A single member has nowhere to put a backup.
    backupCount: 0,
    asyncBackupCount: 0,
  },
];

/**
 * Starts a cluster of one Hazelcast member with the cluster tests' helper, which runs
 * `java` with a bounded heap on 127.0.0.1 and waits until the member reports STARTED, then
 * warms the member up with the calls the cluster workload makes.
 * NOTE: the helper tunes the JVM for quick test start-up (C1 compiler only, 256 MB heap),
 * so the member is slower than a production one and the clients' own costs weigh less.
 */
async function startMemberServer(): Promise<RunningServer> {
  const java = findBinary('java');
  if (java === undefined) {
    throw new MissingServerError(
      'java not found; install it with apt-get install -y openjdk-17-jre-headless',
    );
  }
  const jar = memberJar();
  if (!fs.existsSync(jar)) {
    throw new MissingServerError(
      `the Hazelcast member jar is missing at ${jar}; run scripts/fetch-hazelcast.sh`,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringcast-bench-hazelcast-'));
  const port = await findFreePort();
  const member = await startMember({
    clusterName: BENCH_CLUSTER_NAME,
    port,
    memberPorts: [port],
    rings: MEMBER_RINGS,
    workDir: dir,
    startTimeoutMs: MEMBER_START_TIMEOUT_MS,
  }).catch((error: unknown) => {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const stop = async () => {
    // SIGTERM runs the member's shutdown hook; SIGKILL if that takes too long.
    const timer = setTimeout(() => void member.stop({ kill: true }), STOP_TIMEOUT_MS);
    await member.stop();
    clearTimeout(timer);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await warmUpMember({ host: HOST, port });
  } catch (error) {
    await stop();
    throw new Error(`the warm-up against it failed: ${(error as Error).message}`);
  }
  const javaVersion = spawnSync(java, ['-version'], { encoding: 'utf8' }).stderr;
  return {
    kind: 'hazelcast',
    port,
    version: `Hazelcast ${HAZELCAST_VERSION} member on ${javaVersion.split('\n')[0].trim()}`,
    stop,
  };
}

function startServer(kind: ServerKind): Promise<RunningServer> {
  return kind === 'hazelcast' ? startMemberServer() : startBinaryServer(kind);
}

/**
 * Starts the servers of `kinds`. A missing binary or a failed start does not stop the
 * bench: the server is listed in `missing` with the reason, and its peers are skipped.
 */
export async function startServers(kinds: readonly ServerKind[]): Promise<ServerSet> {
  const running: RunningServer[] = [];
  const addresses: ServerAddresses = {};
  const missing: Partial<Record<ServerKind, string>> = {};
  const versions: Partial<Record<ServerKind, string>> = {};
  for (const kind of kinds) {
    try {
      const server = await startServer(kind);
      running.push(server);
      addresses[kind] = { host: HOST, port: server.port };
      versions[kind] = server.version;
    } catch (error) {
      const { message } = error as Error;
      const name = kind === 'hazelcast' ? 'the Hazelcast member' : SERVERS[kind].binary;
      missing[kind] =
        error instanceof MissingServerError ? message : `${name} failed to start: ${message}`;
    }
  }
  const stop = async () => {
    for (const server of running.splice(0)) await server.stop();
  };
  return { addresses, missing, versions, stop };
}
