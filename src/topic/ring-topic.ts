/**
 * ReliableTopic over a ringcast Ringbuffer, for both backends: publishing by overload
 * policy, and one listener runner per listener. The embedded client passes an embedded ring
 * of topic records; the cluster client passes a cluster ring that stores them as Hazelcast's
 * ReliableTopicMessage.
 */
import { randomUUID } from 'node:crypto';

import {
  DistributedObjectDestroyedError,
  ErrorCode,
  ListenerRemovedError,
  TopicOverloadError,
  typeError,
} from '../errors';
import { OverflowPolicy, type Ringbuffer } from '../ring-buffer';
import { describe, invalidRange, toSafeInteger } from '../validate';
import type { ResolvedReliableTopicConfig } from './config';
import { ListenerRunner } from './listener-runner';
import { createRecord, type TopicRecord } from './record';
import {
  TopicOverloadPolicy,
  type MessageListener,
  type ReliableMessageListener,
  type ReliableTopic,
} from './reliable-topic';

/** BLOCK's first retry delay and its cap, in milliseconds, as Hazelcast's client. */
const INITIAL_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;

const OPTIONAL_LISTENER_METHODS = [
  'initialSequence',
  'storeSequence',
  'isLossTolerant',
  'isTerminal',
  'onLoss',
  'onCancel',
] as const;

/** The services of the client that created a topic. */
export interface TopicContext {
  /** Throws ClientNotActiveError once the client is shut down. */
  checkActive(): void;
  /** The capacity and time-to-live of the topic's ring, as it was last opened. */
  ringSettings(): RingSettings;
}

/** The settings of a topic's ring that its publishes depend on. */
export interface RingSettings {
  capacity: number;
  timeToLiveSeconds: number;
  /**
   * False when the ring's store keeps the time-to-live and the client cannot read it back,
   * as on a cluster, whose members keep it. `timeToLiveSeconds` is then the client's
   * configured value, shown in TopicOverloadError only, and DISCARD_NEWEST, ERROR and BLOCK
   * always add with FAIL, so the store decides. Default true.
   */
  timeToLiveKnown?: boolean;
}

/** A publish waiting under BLOCK, first in line or behind earlier ones. */
interface BlockedPublish {
  records: TopicRecord[];
  batch: boolean;
  resolve(): void;
  reject(error: unknown): void;
  delayMs: number;
  timer: NodeJS.Timeout | undefined;
}

/** Checks a listener's shape and returns it as a ReliableMessageListener. */
function toReliableListener<T>(
  listener: MessageListener<T> | ReliableMessageListener<T>,
): ReliableMessageListener<T> {
  if (typeof listener === 'function') return { onMessage: (message) => listener(message) };
  if (listener === null || typeof listener !== 'object') {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `listener=${describe(listener)} is invalid; expected a function or an object with an ` +
        'onMessage method',
    );
  }
  if (typeof listener.onMessage !== 'function') {
    throw typeError(
      ErrorCode.INVALID_ARGUMENT,
      `listener.onMessage=${describe(listener.onMessage)} is invalid; expected a function`,
    );
  }
  for (const method of OPTIONAL_LISTENER_METHODS) {
    const value: unknown = listener[method];
    if (value !== undefined && typeof value !== 'function') {
      throw typeError(
        ErrorCode.INVALID_ARGUMENT,
        `listener.${method}=${describe(value)} is invalid; expected a function or undefined`,
      );
    }
  }
  return listener;
}

/** Returns the listener's initialSequence(): -1 (after the tail) or a sequence >= 0. */
function readInitialSequence(listener: ReliableMessageListener<unknown>): number {
  if (listener.initialSequence === undefined) return -1;
  const sequence = toSafeInteger('initialSequence()', listener.initialSequence());
  if (sequence < -1) {
    invalidRange(
      `initialSequence()=${sequence} is invalid; expected -1 (start after the tail) or a ` +
        'sequence >= 0',
    );
  }
  return sequence;
}

/**
 * Renames the value path of a codec error from the stored record to the caller's argument:
 * `item.payload.x` becomes `message.x`, `items[2].payload` becomes `messages[2]`.
 */
function renameValuePath(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (!(error instanceof Error) || typeof code !== 'string') return error;
  const renamed = error.message
    .replace(/^item\.payload/, 'message')
    .replace(/^items\[(\d+)\]\.payload/, 'messages[$1]');
  if (renamed === error.message) return error;
  const ErrorType = error instanceof RangeError ? RangeError : TypeError;
  return Object.assign(new ErrorType(renamed, { cause: error }), { code });
}

/** @internal */
export class RingReliableTopic<T> implements ReliableTopic<T> {
  readonly #name: string;
  readonly #ringName: string;
  readonly #ring: Ringbuffer<TopicRecord>;
  readonly #context: TopicContext;
  readonly config: Readonly<ResolvedReliableTopicConfig>;
  readonly #runners = new Map<string, ListenerRunner<T>>();
  /** BLOCK publishes in call order; the first is being attempted. */
  readonly #blocked: BlockedPublish[] = [];

  constructor(
    name: string,
    ring: Ringbuffer<TopicRecord>,
    config: Readonly<ResolvedReliableTopicConfig>,
    context: TopicContext,
  ) {
    this.#name = name;
    this.#ringName = ring.getName();
    this.#ring = ring;
    this.config = config;
    this.#context = context;
  }

  getName(): string {
    return this.#name;
  }

  async publish(message: T): Promise<void> {
    this.#context.checkActive();
    if (message === null || message === undefined) {
      throw typeError(
        ErrorCode.INVALID_ARGUMENT,
        `message=${message} is invalid; a topic cannot publish null or undefined`,
      );
    }
    return this.#store([createRecord(message, Date.now())], false);
  }

  async publishAll(messages: readonly T[]): Promise<void> {
    this.#context.checkActive();
    if (!Array.isArray(messages)) {
      throw typeError(
        ErrorCode.INVALID_ARGUMENT,
        `messages=${describe(messages)} is invalid; expected a non-empty array`,
      );
    }
    if (messages.length === 0) {
      invalidRange('messages=[] is empty; expected at least one message');
    }
    const publishTime = Date.now();
    const records = messages.map((message, i) => {
      if (message === null || message === undefined) {
        throw typeError(
          ErrorCode.INVALID_ARGUMENT,
          `messages[${i}]=${message} is invalid; a topic cannot publish null or undefined`,
        );
      }
      return createRecord(message, publishTime);
    });
    return this.#store(records, true);
  }

  addMessageListener(listener: MessageListener<T> | ReliableMessageListener<T>): string {
    this.#context.checkActive();
    const reliable = toReliableListener(listener);
    const initial = readInitialSequence(reliable as ReliableMessageListener<unknown>);
    // The tail is read now, not on a later turn, so a publish right after this call is
    // delivered: the embedded ring's methods run synchronously up to their result, and the
    // cluster ring sends its request before it returns, on the connection that the
    // publishes of this client use, to the member that executes both in order.
    const firstSequence =
      initial === -1 ? this.#ring.tailSequence().then((tail) => tail + 1) : initial;

    const id = randomUUID();
    const runner = new ListenerRunner<T>(reliable, {
      ring: this.#ring,
      ringName: this.#ringName,
      readBatchSize: this.config.readBatchSize,
      onStop: () => this.#runners.delete(id),
    });
    this.#runners.set(id, runner);
    runner.start(firstSequence);
    return id;
  }

  removeMessageListener(registrationId: string): boolean {
    if (typeof registrationId !== 'string') {
      throw typeError(
        ErrorCode.INVALID_ARGUMENT,
        `registrationId=${describe(registrationId)} is invalid; expected the string that ` +
          'addMessageListener returned',
      );
    }
    const runner = this.#runners.get(registrationId);
    if (runner === undefined) return false;
    runner.cancel(new ListenerRemovedError(this.#name, registrationId));
    return true;
  }

  async destroy(): Promise<void> {
    this.#context.checkActive();
    this.close(new DistributedObjectDestroyedError(this.#name, 'reliable topic'));
    await this.#ring.destroy();
  }

  /**
   * Cancels every listener and rejects every BLOCK publish with `reason`, as on destroy and
   * client shutdown. @internal
   */
  close(reason: Error): void {
    for (const runner of [...this.#runners.values()]) runner.cancel(reason);
    const blocked = this.#blocked.splice(0);
    for (const publish of blocked) {
      clearTimeout(publish.timer);
      publish.reject(reason);
    }
  }

  /**
   * Adds the records by the overload policy; see TopicOverloadPolicy. The ring's add runs
   * within this call, before any await, so publishes are stored in call order.
   */
  #store(records: TopicRecord[], batch: boolean): Promise<void> {
    const policy = this.config.topicOverloadPolicy;
    const { capacity, timeToLiveSeconds, timeToLiveKnown = true } = this.#context.ringSettings();
    if (policy !== TopicOverloadPolicy.DISCARD_OLDEST && records.length > capacity) {
      // Deviation: Hazelcast drops, rejects or blocks forever here, by policy.
      invalidRange(
        `messages.length=${records.length} exceeds capacity=${capacity} of ringbuffer ` +
          `name=${JSON.stringify(this.#ringName)}, so under topicOverloadPolicy=${policy} ` +
          `they could never be stored; publish at most ${capacity} messages per call`,
      );
    }
    // Without a TTL, FAIL fails only for a batch larger than the capacity (room frees up
    // only by expiry), so OVERWRITE stores exactly what FAIL would. It also keeps the ring
    // from warning about FAIL without TTL, which every default (BLOCK) topic would trigger.
    const withoutTtl = timeToLiveKnown && timeToLiveSeconds === 0;
    if (policy === TopicOverloadPolicy.DISCARD_OLDEST || withoutTtl) {
      return this.#add(records, batch, OverflowPolicy.OVERWRITE).then(() => undefined);
    }
    if (policy === TopicOverloadPolicy.BLOCK) return this.#enqueueBlocked(records, batch);
    return this.#add(records, batch, OverflowPolicy.FAIL).then((sequence) => {
      if (sequence !== -1 || policy === TopicOverloadPolicy.DISCARD_NEWEST) return;
      const ttl = timeToLiveKnown ? timeToLiveSeconds : undefined;
      throw new TopicOverloadError(this.#name, records.length, ttl);
    });
  }

  #add(records: TopicRecord[], batch: boolean, overflowPolicy: OverflowPolicy): Promise<number> {
    const added = batch
      ? this.#ring.addAll(records, overflowPolicy)
      : this.#ring.add(records[0], overflowPolicy);
    return added.catch((error: unknown) => {
      throw renameValuePath(error);
    });
  }

  /**
   * Queues a BLOCK publish behind earlier ones, so messages are stored in call order, and
   * starts it at once when nothing is ahead of it.
   */
  #enqueueBlocked(records: TopicRecord[], batch: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#blocked.push({
        records,
        batch,
        resolve,
        reject,
        delayMs: INITIAL_BACKOFF_MS,
        timer: undefined,
      });
      if (this.#blocked.length === 1) this.#attemptBlocked();
    });
  }

  /**
   * Tries the first BLOCK publish with FAIL. A -1 retries it after a delay that doubles up
   * to 2 s; success or an error settles it and starts the next one.
   * NOTE: as in Hazelcast, a publish waits as long as the ring stays full. Expiry frees a
   * slot within timeToLiveSeconds unless other publishers take it; destroy and client
   * shutdown reject every waiting publish.
   */
  #attemptBlocked(): void {
    const publish = this.#blocked[0];
    if (publish === undefined) return;
    const next = () => {
      this.#blocked.shift();
      this.#attemptBlocked();
    };
    this.#add(publish.records, publish.batch, OverflowPolicy.FAIL).then(
      (sequence) => {
        // Destroy or shutdown rejected it meanwhile.
        if (this.#blocked[0] !== publish) return;
        if (sequence === -1) {
          publish.timer = setTimeout(() => this.#attemptBlocked(), publish.delayMs);
          publish.delayMs = Math.min(publish.delayMs * 2, MAX_BACKOFF_MS);
          return;
        }
        publish.resolve();
        next();
      },
      (error: unknown) => {
        if (this.#blocked[0] !== publish) return;
        publish.reject(error);
        next();
      },
    );
  }
}
