/**
 * Starts and stops real Hazelcast members (the com.hazelcast:hazelcast jar that
 * scripts/fetch-hazelcast.sh puts under .cache/maven) on 127.0.0.1 for the cluster tests.
 * Each member is one `java` child process, stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join, resolve } from 'node:path';

export const HAZELCAST_VERSION = '5.7.0';
const ROOT = resolve(__dirname, '..', '..');

/** Path of the member jar, or RINGCAST_HAZELCAST_JAR when set. */
export function memberJar(): string {
  return (
    process.env.RINGCAST_HAZELCAST_JAR ??
    join(
      ROOT,
      '.cache/maven/repo/com/hazelcast/hazelcast',
      HAZELCAST_VERSION,
      `hazelcast-${HAZELCAST_VERSION}.jar`,
    )
  );
}

/** One ringbuffer config of the member: name pattern and settings. */
export interface MemberRingConfig {
  name: string;
  capacity: number;
  timeToLiveSeconds: number;
  inMemoryFormat: 'BINARY' | 'OBJECT';
  backupCount: number;
  asyncBackupCount: number;
}

/** Capacities and TTLs the conformance suite's rings use; see clusterRingName(). */
export const SUITE_CAPACITIES = [
  ...Array.from({ length: 20 }, (_, i) => i + 1),
  25, 30, 50, 100, 1000, 2000, 2500, 3000, 5000, 10_000,
];
export const SUITE_TTLS = [0, 1, 2, 3, 5, 30, 3600, 86_400];

/** Returns the name suffix that selects the member config with these settings. */
export function ringSuffix(capacity: number, ttl: number, format: string): string {
  return `~c${capacity}~t${ttl}~${format}`;
}

/** Lists the member configs for every capacity, TTL and format of the suite. */
export function suiteRingConfigs(): MemberRingConfig[] {
  const configs: MemberRingConfig[] = [];
  for (const capacity of SUITE_CAPACITIES) {
    for (const ttl of SUITE_TTLS) {
      for (const format of ['BINARY', 'OBJECT'] as const) {
        configs.push({
          name: `*${ringSuffix(capacity, ttl, format)}`,
          capacity,
          timeToLiveSeconds: ttl,
          inMemoryFormat: format,
          backupCount: 1,
          asyncBackupCount: 0,
        });
      }
    }
  }
  return configs;
}

/** Writes a member's XML config: tcp-ip join on 127.0.0.1 only, multicast off, the given rings. */
export function memberConfigXml(
  clusterName: string,
  port: number,
  memberPorts: number[],
  rings: MemberRingConfig[],
): string {
  const members = memberPorts.map((p) => `        <member>127.0.0.1:${p}</member>`).join('\n');
  const ringXml = rings
    .map(
      (ring) => `  <ringbuffer name="${ring.name}">
    <capacity>${ring.capacity}</capacity>
    <time-to-live-seconds>${ring.timeToLiveSeconds}</time-to-live-seconds>
    <backup-count>${ring.backupCount}</backup-count>
    <async-backup-count>${ring.asyncBackupCount}</async-backup-count>
    <in-memory-format>${ring.inMemoryFormat}</in-memory-format>
  </ringbuffer>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<hazelcast xmlns="http://www.hazelcast.com/schema/config">
  <cluster-name>${clusterName}</cluster-name>
  <properties>
    <property name="hazelcast.phone.home.enabled">false</property>
    <property name="hazelcast.partition.count">31</property>
    <property name="hazelcast.merge.first.run.delay.seconds">600</property>
    <property name="hazelcast.wait.seconds.before.join">0</property>
    <property name="hazelcast.logging.type">jdk</property>
  </properties>
  <network>
    <public-address>127.0.0.1:${port}</public-address>
    <port auto-increment="false">${port}</port>
    <join>
      <auto-detection enabled="false"/>
      <multicast enabled="false"/>
      <tcp-ip enabled="true">
${members}
      </tcp-ip>
    </join>
    <interfaces enabled="true">
      <interface>127.0.0.1</interface>
    </interfaces>
  </network>
  <jet enabled="false"/>
${ringXml}
</hazelcast>
`;
}

/** Returns `count` consecutive free TCP ports on 127.0.0.1, from 15701 upwards. */
export async function freePorts(count: number, from = 15701): Promise<number[]> {
  const isFree = (port: number) =>
    new Promise<boolean>((done) => {
      const server = createServer();
      server.once('error', () => done(false));
      server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
    });
  for (let base = from; base < from + 2000; base += count) {
    const ports = Array.from({ length: count }, (_, i) => base + i);
    let all = true;
    for (const port of ports) all = all && (await isFree(port));
    if (all) return ports;
  }
  throw new Error(`no ${count} consecutive free ports found from ${from} to ${from + 2000}`);
}

/** A running member process. */
export interface Member {
  readonly pid: number;
  readonly port: number;
  readonly address: string;
  readonly logPath: string;
  /** Stops the process by its pid (SIGTERM, or SIGKILL with `kill: true`) and waits. */
  stop(options?: { kill?: boolean }): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function lastLines(path: string, count: number): string {
  if (!existsSync(path)) return '(no log)';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
}

/** Options of startMember. */
export interface MemberOptions {
  clusterName: string;
  port: number;
  /** Ports of every member of the cluster, for the tcp-ip join list. */
  memberPorts: number[];
  rings: MemberRingConfig[];
  /** Directory for the config and log files. */
  workDir: string;
  /** How long to wait for the member to accept connections and join. Default 90 s. */
  startTimeoutMs?: number;
  /** Cluster size the member's log must report before it counts as started. Default 1. */
  clusterSize?: number;
}

/**
 * Starts a member with a bounded heap and waits until its log reports it STARTED in a
 * cluster of `clusterSize`. Rejects with the log's last lines when it exits or times out,
 * after stopping the process.
 */
export async function startMember(options: MemberOptions): Promise<Member> {
  const jar = memberJar();
  if (!existsSync(jar)) {
    throw new Error(
      `the Hazelcast member jar is missing at ${jar}; run scripts/fetch-hazelcast.sh first`,
    );
  }
  mkdirSync(options.workDir, { recursive: true });
  const configPath = join(options.workDir, `member-${options.port}.xml`);
  const logPath = join(options.workDir, `member-${options.port}.log`);
  writeFileSync(
    configPath,
    memberConfigXml(options.clusterName, options.port, options.memberPorts, options.rings),
  );
  const log = openSync(logPath, 'w');
  const child = spawn(
    'java',
    [
      '-Xms64m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.net.preferIPv4Stack=true',
      `-Dhazelcast.config=${configPath}`,
      '-cp',
      jar,
      'com.hazelcast.core.server.HazelcastMemberStarter',
    ],
    { stdio: ['ignore', log, log] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('failed to start java: no process id');

  const member: Member = {
    pid,
    port: options.port,
    address: `127.0.0.1:${options.port}`,
    logPath,
    async stop({ kill = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, kill ? 'SIGKILL' : 'SIGTERM');
      }
      await exited(child);
    },
  };

  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const clusterSize = options.clusterSize ?? 1;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the Hazelcast member on port ${options.port} exited before it started ` +
          `(code ${child.exitCode}, signal ${child.signalCode}); its log ends:\n` +
          lastLines(logPath, 30),
      );
    }
    const text = readFileSync(logPath, 'utf8');
    const sized = new RegExp(`Members \\{size:${clusterSize},`).test(text);
    if (sized && /is STARTED/.test(text) && (await portOpen(options.port))) return member;
    await new Promise((done) => setTimeout(done, 250));
  }
  await member.stop({ kill: true });
  throw new Error(
    `the Hazelcast member on port ${options.port} did not start within ${timeoutMs} ms; ` +
      `its log ends:\n${lastLines(logPath, 30)}`,
  );
}
