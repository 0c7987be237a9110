/**
 * Shared set-up for the behaviour tests: clients that are shut down when their test ends,
 * unique ring names, and small helpers to inspect rejections and waiting reads.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { ConfigRegistry } from '../../src/config';
import { createClient, ErrorCode } from '../../src/index';
import type {
  Client,
  ClientOptions,
  ClusterOptions,
  ReliableTopicConfig,
  Ringbuffer,
  RingbufferConfig,
} from '../../src/index';
import { ringSuffix, SUITE_CAPACITIES, SUITE_TTLS } from './member';

/** An error as the tests inspect it: ringcast errors carry `code`, stale ones `headSequence`. */
export interface CodedError extends Error {
  code?: string;
  headSequence?: number;
  cause?: unknown;
}

/**
 * The backend the behaviour suites run against: the embedded engine, or with
 * RINGCAST_TEST_BACKEND=cluster a Hazelcast member started by test/cluster/conformance.ts,
 * which passes its address in RINGCAST_TEST_MEMBERS and its name in
 * RINGCAST_TEST_CLUSTER_NAME. Tests state a behaviour that differs on `backend.kind`.
 */
export const backend = {
  kind: process.env.RINGCAST_TEST_BACKEND === 'cluster' ? 'cluster' : 'embedded',
} as const;

/**
 * On the cluster a ring's configuration lives on the members. The test member defines one
 * config per capacity, TTL and format the suite uses, for the name pattern
 * `*` + ringSuffix(), so this returns the name under which the cluster keeps a ring opened
 * with `config`. The first config used for a name sticks, so a later conflicting config
 * reaches the same ring, and a name that already ends in a suffix is kept.
 */
const clusterNames = new Map<string, string>();
export function clusterRingName(name: string, config: RingbufferConfig | undefined): string {
  const known = clusterNames.get(name);
  if (known !== undefined) return known;
  if (SUFFIX_PATTERN.test(name)) {
    clusterNames.set(name, name);
    return name;
  }
  const suffix = suiteSuffix(config);
  // Without a member config the name stays as it is: the client rejects an invalid config
  // before any request, and a valid one reaches the member's default ring (capacity
  // 10000), whose capacity the client checks against the config.
  if (suffix === undefined) return name;
  const mapped = name + suffix;
  clusterNames.set(name, mapped);
  return mapped;
}

const SUFFIX_PATTERN = /~c\d+~t\d+~(BINARY|OBJECT)$/;

/** Prefix of the ring that backs a topic: `_hz_rb_<topic name>`. */
const TOPIC_RING_PREFIX = '_hz_rb_';

/**
 * Returns the name under which the backend keeps the topic `name`: on the cluster the name
 * with the suffix of its ring's member config (see startClient), else `name` itself.
 */
export function backendTopicName(name: string): string {
  return backend.kind === 'cluster' ? (clusterNames.get(name) ?? name) : name;
}

/** Returns the suffix of the member config for `config`, or undefined when there is none. */
function suiteSuffix(config: RingbufferConfig | undefined): string | undefined {
  const capacity = config?.capacity ?? 10_000;
  const ttl = config?.timeToLiveSeconds ?? 0;
  const format = config?.inMemoryFormat ?? 'BINARY';
  if (typeof capacity !== 'number' || typeof ttl !== 'number') return undefined;
  if (!SUITE_CAPACITIES.includes(capacity) || !SUITE_TTLS.includes(ttl)) return undefined;
  if (format !== 'BINARY' && format !== 'OBJECT') return undefined;
  return ringSuffix(capacity, ttl, format);
}

/**
 * Returns the client's `ringbuffers` option with each name or pattern extended by the
 * suffix of its config, so the client matches the suffixed names as it matches the plain
 * ones: a name carries the suffix of the config that wins for it, which only patterns with
 * that same config (and `default`) still match.
 */
function clusterRingConfigs(
  ringbuffers: ClientOptions['ringbuffers'],
): ClientOptions['ringbuffers'] {
  if (ringbuffers === null || typeof ringbuffers !== 'object') return ringbuffers;
  const translated: Record<string, RingbufferConfig> = {};
  for (const [key, config] of Object.entries(ringbuffers)) {
    const suffix = key === 'default' ? undefined : suiteSuffix(config);
    translated[suffix === undefined ? key : key + suffix] = config;
  }
  return translated;
}

/**
 * Wraps `client` so getRingbuffer opens the cluster ring that clusterRingName() names, for
 * the config that the client's `ringbuffers` option and `config` give together.
 */
function clusterTestClient(client: Client, options: ClientOptions | undefined): Client {
  const registry = new ConfigRegistry(options?.ringbuffers);
  const clusterName = (name: string, config: RingbufferConfig | undefined) => {
    if (typeof name !== 'string') return name;
    let matched: RingbufferConfig | undefined;
    try {
      matched = registry.lookup(name);
    } catch {
      return name; // Two equally good patterns: the client rejects the name itself.
    }
    const effective = config === undefined ? matched : { ...matched, ...config };
    return clusterRingName(name, effective);
  };
  // A topic's ring takes the ring config that matches the topic's name, so the topic name
  // gets that config's suffix, and a later getRingbuffer of `_hz_rb_<name>` opens the ring
  // `_hz_rb_<suffixed name>`. An empty name stays as it is, for the client to reject.
  // NOTE: keys of the `reliableTopics` option are not suffixed. So on the cluster only its
  // patterns and `default` match a topic, and an exact topic name there matches nothing.
  const clusterTopicName = (name: string) => {
    if (typeof name !== 'string' || name.length === 0) return name;
    const mapped = clusterName(name, undefined);
    if (mapped !== name) clusterNames.set(TOPIC_RING_PREFIX + name, TOPIC_RING_PREFIX + mapped);
    return mapped;
  };
  const getRingbuffer = client.getRingbuffer.bind(client);
  const getReliableTopic = client.getReliableTopic.bind(client);
  return Object.assign(Object.create(client) as Client, {
    getRingbuffer: <T>(name: string, config?: RingbufferConfig) =>
      getRingbuffer<T>(clusterName(name, config), config),
    getReliableTopic: <T>(name: string, config?: ReliableTopicConfig) =>
      getReliableTopic<T>(clusterTopicName(name), config),
    shutdown: client.shutdown.bind(client),
  });
}

/** Test options for a test that waits on a read, so a hang fails instead of stalling. */
export const WAITS = { timeout: 10_000 };

let nameCounter = 0;

/** Returns a ring name that no other test of this process uses. */
export function uniqueName(label = 'ring'): string {
  nameCounter += 1;
  return `${label}-${process.pid}-${nameCounter}`;
}

/** Creates a client that is shut down when the test `t` ends. */
export async function startClient(t: TestContext, options?: ClientOptions): Promise<Client> {
  let client: Client;
  if (backend.kind === 'cluster') {
    const ringbuffers = clusterRingConfigs(options?.ringbuffers);
    const cluster = clusterOptions();
    client = clusterTestClient(await createClient({ ...options, ringbuffers, cluster }), options);
  } else {
    client = await createClient(options);
  }
  t.after(() => shutdownUnlessDone(client));
  return client;
}

/** The `cluster` option for the member named in the environment. */
export function clusterOptions(): ClusterOptions {
  const members = process.env.RINGCAST_TEST_MEMBERS;
  if (members === undefined) {
    throw new Error(
      'RINGCAST_TEST_MEMBERS is not set; run the suite via test/cluster/conformance.ts',
    );
  }
  return {
    clusterName: process.env.RINGCAST_TEST_CLUSTER_NAME ?? 'dev',
    members: members.split(','),
    connectTimeoutMs: 20_000,
  };
}

/** Shuts `client` down, unless the test itself already did. */
async function shutdownUnlessDone(client: Client): Promise<void> {
  try {
    await client.shutdown();
  } catch (error) {
    if ((error as CodedError).code !== ErrorCode.CLIENT_NOT_ACTIVE) {
      throw error;
    }
  }
}

/** A client of its own and a ring with a unique name created with `config`. */
export interface OpenedRing<T> {
  client: Client;
  ring: Ringbuffer<T>;
  name: string;
}

/** Creates a client and a fresh ring, both released when the test `t` ends. */
export async function openRing<T = unknown>(
  t: TestContext,
  config?: RingbufferConfig,
): Promise<OpenedRing<T>> {
  const client = await startClient(t);
  // On the cluster the name carries the member config's suffix, so getName() returns it.
  const name = backend.kind === 'cluster' ? clusterRingName(uniqueName(), config) : uniqueName();
  const ring = await client.getRingbuffer<T>(name, config);
  return { client, ring, name };
}

/** Awaits `promise` and returns its rejection reason. Fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<CodedError> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    assert.ok(error instanceof Error, `rejected with a non-Error: ${String(error)}`);
    return error as CodedError;
  }
  assert.fail(`expected a rejection, but it resolved with ${formatValue(value)}`);
}

function formatValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Asserts that `err`'s message contains each of `parts` (argument names, `name=value`) as a
 * whole token, so `maxCount=1` does not match `maxCount=10` and `1` does not match `1.5`.
 */
export function assertMessageNames(err: Error, ...parts: string[]): void {
  for (const part of parts) {
    const token = new RegExp(`(?<!\\w)${escapeRegExp(part)}(?!\\w|\\.\\d)`);
    assert.match(err.message, token, `message lacks ${part}`);
  }
}

/** Asserts that `err`'s message gives `option=value`, with the value quoted or not. */
export function assertMessageNamesValue(err: Error, option: string, value: unknown): void {
  const text = escapeRegExp(String(value));
  const token = new RegExp(`(?<!\\w)${escapeRegExp(option)}=(["']?)${text}\\1(?!\\w|\\.\\d)`);
  assert.match(err.message, token, `message lacks ${option}=${String(value)}`);
}

/** A promise observed from the outside, with whether it has settled yet. */
export interface Tracked<T> {
  readonly promise: Promise<T>;
  readonly settled: boolean;
}

/**
 * Observes `promise` without leaving a rejection unhandled, so a read that the test leaves
 * waiting may reject at shutdown without failing the run.
 */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const state = { promise, settled: false };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

/** Resolves after `ms`. Only for TTL expiry and for checks that a read keeps waiting. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Returns whether `tracked` is still unsettled after `ms`, letting the event loop deliver
 * any pending wake-up first.
 */
export async function stillWaiting(tracked: Tracked<unknown>, ms = 100): Promise<boolean> {
  await nextTurn();
  await delay(ms);
  return !tracked.settled;
}

/** The ring's counters read one after another (no other writer may run meanwhile). */
export interface Counters {
  head: number;
  tail: number;
  size: number;
  capacity: number;
  remaining: number;
}

/** Reads all counters of `ring`. */
export async function countersOf(ring: Ringbuffer<unknown>): Promise<Counters> {
  return {
    head: await ring.headSequence(),
    tail: await ring.tailSequence(),
    size: await ring.size(),
    capacity: await ring.capacity(),
    remaining: await ring.remainingCapacity(),
  };
}

/** Returns the integers start, start + 1, ..., start + count - 1. */
export function range(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i);
}
