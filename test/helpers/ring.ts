/**
 * Shared set-up for the behaviour tests: clients that are shut down when their test ends,
 * unique ring names, and small helpers to inspect rejections and waiting reads.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { createClient, ErrorCode } from '../../src/index';
import type { Client, ClientOptions, Ringbuffer, RingbufferConfig } from '../../src/index';

/** An error as the tests inspect it: ringcast errors carry `code`, stale ones `headSequence`. */
export interface CodedError extends Error {
  code?: string;
  headSequence?: number;
  cause?: unknown;
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
  const client = await createClient(options);
  t.after(() => shutdownUnlessDone(client));
  return client;
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
  const name = uniqueName();
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
