/**
 * ReliableTopic: delivery order, durable restarts, gaps, handler errors, cancellation, the
 * overload policies with and without a TTL, configuration, and listeners in a worker thread.
 *
 * Runs on both backends (RINGCAST_TEST_BACKEND=cluster via test/cluster/conformance.ts).
 * On the cluster the topic name carries the suffix that selects its ring's member config
 * (see startClient), and a test states each behaviour that differs on `backend.kind`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';

import {
  ClientNotActiveError,
  ConfigConflictError,
  createClient,
  DistributedObjectDestroyedError,
  ErrorCode,
  ListenerRemovedError,
  StaleSequenceError,
  TopicOverloadError,
  TopicOverloadPolicy,
} from '../src/index';
import type {
  Client,
  ClientOptions,
  Message,
  ReliableTopic,
  ReliableTopicConfig,
  RingbufferConfig,
} from '../src/index';
import {
  assertMessageNamesValue,
  backend,
  backendTopicName,
  delay,
  range,
  rejectionOf,
  startClient,
  stillWaiting,
  track,
  uniqueName,
  WAITS,
} from './helpers/ring';
import { RecordingListener } from './helpers/topic-listener';
import type { TopicWorkerReport, TopicWorkerTask } from './helpers/topic-worker';

const RING_PREFIX = '_hz_rb_';

interface OpenedTopic<T> {
  client: Client;
  topic: ReliableTopic<T>;
  name: string;
}

/** Creates a client whose ring config for a fresh topic name is `ring`, and that topic. */
async function openTopic<T>(
  t: TestContext,
  ring: RingbufferConfig = {},
  config?: ReliableTopicConfig,
): Promise<OpenedTopic<T>> {
  const name = uniqueName('topic');
  const client = await startClient(t, { ringbuffers: { [name]: ring } });
  const topic = await client.getReliableTopic<T>(name, config);
  return { client, topic, name };
}

/** Reads the payloads stored in the topic's ring, oldest first. */
async function storedPayloads(client: Client, name: string): Promise<unknown[]> {
  const ring = await client.getRingbuffer<{ payload: unknown }>(RING_PREFIX + name);
  const head = await ring.headSequence();
  const result = await ring.readMany(head, 0, await ring.capacity());
  return [...result].map((record) => record.payload);
}

/** Collects the process warnings emitted while the test runs. */
function captureWarnings(t: TestContext): Array<Error & { code?: string }> {
  const warnings: Array<Error & { code?: string }> = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  t.after(() => {
    process.off('warning', onWarning);
  });
  return warnings;
}

const TTL_RING: RingbufferConfig = { capacity: 2, timeToLiveSeconds: 1 };
const FAIL_POLICIES = [
  TopicOverloadPolicy.DISCARD_NEWEST,
  TopicOverloadPolicy.ERROR,
  TopicOverloadPolicy.BLOCK,
];

describe('delivery', { concurrency: true }, () => {
  test('burst after getReliableTopic in order', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t);
    const listener = new RecordingListener<number>();
    topic.addMessageListener(listener);

    await Promise.all(range(0, 200).map((n) => topic.publish(n)));

    await listener.waitForMessages(200);
    assert.deepEqual(listener.payloads, range(0, 200));
    assert.deepEqual(listener.sequences, range(0, 200));
  });

  test('message fields', WAITS, async (t) => {
    const { topic } = await openTopic<{ id: number; at: Date | string }>(t);
    const listener = new RecordingListener<{ id: number; at: Date | string }>();
    topic.addMessageListener(listener);
    // The cluster stores objects as JSON, which has no Date, so there the time is a string.
    const at = new Date(1_700_000_000_000);
    const payload = { id: 7, at: backend.kind === 'cluster' ? at.toISOString() : at };

    const before = Date.now();
    await topic.publish(payload);
    const after = Date.now();

    await listener.waitForMessages(1);
    const [message] = listener.messages;
    assert.deepStrictEqual(message.messageObject, payload);
    assert.notEqual(message.messageObject, payload);
    assert.equal(message.sequence, 0);
    assert.ok(message.publishingTime >= before, `publishingTime ${message.publishingTime}`);
    assert.ok(message.publishingTime <= after, `publishingTime ${message.publishingTime}`);
  });

  test('function listener', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);
    const received: string[] = [];
    const sentinel = new RecordingListener<string>();
    topic.addMessageListener((message) => {
      received.push(message.messageObject);
    });
    topic.addMessageListener(sentinel);

    await topic.publishAll(['a', 'b']);

    await sentinel.waitForMessages(2);
    await nextTurn();
    assert.deepEqual(received, ['a', 'b']);
  });

  test('default start skips earlier', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);
    await topic.publishAll(['old-1', 'old-2']);
    const listener = new RecordingListener<string>();
    topic.addMessageListener(listener);

    await topic.publish('new');

    await listener.waitForMessages(1);
    assert.deepEqual(listener.payloads, ['new']);
    assert.deepEqual(listener.sequences, [2]);
  });

  test('initialSequence 0 honoured', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);
    await topic.publishAll(['a', 'b', 'c']);
    const listener = new RecordingListener<string>({ initialSequence: 0 });

    topic.addMessageListener(listener);

    await listener.waitForMessages(3);
    assert.deepEqual(listener.payloads, ['a', 'b', 'c']);
    assert.deepEqual(listener.sequences, [0, 1, 2]);
  });

  test('storeSequence precedes onMessage', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);
    const listener = new RecordingListener<string>();
    topic.addMessageListener(listener);

    await topic.publishAll(['a', 'b']);

    await listener.waitForMessages(2);
    assert.deepEqual(listener.calls, [
      { method: 'storeSequence', sequence: 0 },
      { method: 'onMessage', sequence: 0 },
      { method: 'storeSequence', sequence: 1 },
      { method: 'onMessage', sequence: 1 },
    ]);
  });

  test('async storeSequence awaited', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);
    const events: string[] = [];
    const sentinel = new RecordingListener<string>();
    topic.addMessageListener({
      storeSequence: async (sequence) => {
        await nextTurn();
        events.push(`stored ${sequence}`);
      },
      onMessage: (message) => {
        events.push(`handled ${message.sequence}`);
      },
    });
    topic.addMessageListener(sentinel);

    await topic.publishAll(['a', 'b']);

    await sentinel.waitForMessages(2);
    for (let turn = 0; turn < 10 && events.length < 4; turn++) await nextTurn();
    assert.deepEqual(events, ['stored 0', 'handled 0', 'stored 1', 'handled 1']);
  });

  test('throwing storeSequence skips message', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);
    const listener = new RecordingListener<string>();
    const failing = {
      storeSequence: (sequence: number) => {
        if (sequence === 0) throw new Error('store failed');
      },
      onMessage: (message: Message<string>) => listener.onMessage(message),
    };
    topic.addMessageListener(failing);

    await topic.publishAll(['a', 'b']);

    await listener.waitForMessages(1);
    assert.deepEqual(listener.sequences, [1]);
  });

  test('durable restart exactly once', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t);
    let stored = -1;
    let firstId = '';
    // The first subscriber stores each sequence and stops after handling sequence 2,
    // in the middle of the batch, as a process that exits would.
    const first = new RecordingListener<number>({
      onMessage: (message) => {
        stored = message.sequence;
        if (message.sequence === 2) topic.removeMessageListener(firstId);
      },
    });
    firstId = topic.addMessageListener(first);
    await topic.publishAll(range(0, 6));
    await first.waitForCancel();
    await topic.publishAll(range(6, 4));

    const second = new RecordingListener<number>({ initialSequence: stored + 1 });
    topic.addMessageListener(second);

    await second.waitForMessages(7);
    assert.deepEqual(first.payloads, [0, 1, 2]);
    assert.deepEqual(second.sequences, range(3, 7));
    assert.deepEqual([...first.payloads, ...second.payloads], range(0, 10));
  });

  test('async handler awaited', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t);
    let running = 0;
    let maxRunning = 0;
    const listener = new RecordingListener<number>({
      onMessage: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await nextTurn();
        running--;
      },
    });
    topic.addMessageListener(listener);

    await topic.publishAll(range(0, 5));

    await listener.waitForMessages(5);
    assert.equal(maxRunning, 1);
    assert.deepEqual(listener.payloads, range(0, 5));
  });

  test('readBatchSize bounds each read', WAITS, async (t) => {
    // Overwriting the ring during the first batch makes the next read lose the messages
    // that batch did not include, so the loss shows where the batch ended.
    const policy = TopicOverloadPolicy.DISCARD_OLDEST;
    const { topic } = await openTopic<number>(
      t,
      { capacity: 6 },
      { readBatchSize: 2, topicOverloadPolicy: policy },
    );
    await topic.publishAll(range(0, 6));
    const listener = new RecordingListener<number>({
      initialSequence: 0,
      lossTolerant: true,
      onMessage: (message) => {
        if (message.sequence === 1) void topic.publishAll(range(6, 6));
      },
    });

    topic.addMessageListener(listener);

    await listener.waitForMessages(8);
    assert.deepEqual(listener.sequences, [0, 1, ...range(6, 6)]);
    assert.deepEqual(
      listener.calls.filter((call) => call.method === 'onLoss'),
      [{ method: 'onLoss', lostCount: 4, resumeSequence: 6 }],
    );
  });

  test('batch capped by capacity', WAITS, async (t) => {
    const policy = TopicOverloadPolicy.DISCARD_OLDEST;
    const { topic } = await openTopic<number>(
      t,
      { capacity: 6 },
      { readBatchSize: 100, topicOverloadPolicy: policy },
    );
    await topic.publishAll(range(0, 6));
    const listener = new RecordingListener<number>({
      initialSequence: 0,
      onMessage: (message) => {
        if (message.sequence === 1) void topic.publishAll(range(6, 6));
      },
    });

    topic.addMessageListener(listener);

    await listener.waitForMessages(12);
    assert.deepEqual(listener.sequences, range(0, 12));
    assert.deepEqual(listener.cancelReasons, []);
  });
});

describe('gaps', { concurrency: true }, () => {
  const overwriting = { topicOverloadPolicy: TopicOverloadPolicy.DISCARD_OLDEST };

  test('loss-tolerant resumes from head', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t, { capacity: 4 }, overwriting);
    await topic.publishAll(range(0, 10));
    const listener = new RecordingListener<number>({ initialSequence: 0, lossTolerant: true });

    topic.addMessageListener(listener);

    await listener.waitForMessages(4);
    assert.deepEqual(listener.calls[0], { method: 'onLoss', lostCount: 6, resumeSequence: 6 });
    assert.deepEqual(listener.sequences, [6, 7, 8, 9]);
    assert.deepEqual(listener.payloads, [6, 7, 8, 9]);
  });

  test('loss cancels before the batch', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t, { capacity: 4 }, overwriting);
    await topic.publishAll(range(0, 10));
    const listener = new RecordingListener<number>({ initialSequence: 0 });

    const id = topic.addMessageListener(listener);

    const reason = await listener.waitForCancel();
    assert.ok(reason instanceof StaleSequenceError, `got ${reason.name}`);
    assert.equal(reason.code, ErrorCode.STALE_SEQUENCE);
    assert.equal(reason.headSequence, 6);
    assert.equal(listener.calls.length, 1);
    assert.equal(topic.removeMessageListener(id), false);
  });

  test('beyond tail cancels', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);
    const listener = new RecordingListener<string>({ initialSequence: 5 });
    topic.addMessageListener(listener);
    // The read clamps sequence 5 to tailSequence + 1 once it has started: 0 here, and on the
    // cluster 0 or 1 (see the next test). Either way a read returns a message after the clamp.
    await nextTurn();

    await topic.publish('first');
    await topic.publish('second');

    const reason = (await listener.waitForCancel()) as RangeError & { code?: string };
    assert.ok(reason instanceof RangeError, `got ${reason.name}`);
    assert.equal(reason.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNamesValue(reason, 'sequence', 5);
    assert.deepEqual(listener.messages, []);
  });

  test('beyond tail tolerant resumes', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);
    const listener = new RecordingListener<string>({ initialSequence: 5, lossTolerant: true });
    topic.addMessageListener(listener);
    // The read clamps sequence 5 to tailSequence + 1 = 0 once it has started. On the cluster
    // the clamp takes round trips (the member rejects 5, then the tail is read), so the first
    // publish may land before it and the read resumes at 1.
    await nextTurn();

    await topic.publish('first');
    await topic.publish('second');

    await listener.waitForMessages(1);
    const [first] = listener.calls;
    assert.equal(first.method, 'onLoss');
    const resumeSequence = first.method === 'onLoss' ? first.resumeSequence : NaN;
    const expected = backend.kind === 'cluster' ? [0, 1] : [0];
    assert.ok(expected.includes(resumeSequence), `resumeSequence=${resumeSequence}`);
    assert.deepEqual(first, { method: 'onLoss', lostCount: resumeSequence - 5, resumeSequence });
    await listener.waitForMessages(2 - resumeSequence);
    assert.deepEqual(listener.sequences, range(resumeSequence, 2 - resumeSequence));
  });
});

describe('handler errors', { concurrency: true }, () => {
  test('throwing handler skipped', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t);
    const listener = new RecordingListener<number>({
      onMessage: (message) => {
        if (message.sequence === 1) throw new Error('bad message');
      },
    });
    topic.addMessageListener(listener);

    await topic.publishAll([0, 1, 2]);

    await listener.waitForMessages(3);
    assert.deepEqual(listener.sequences, [0, 1, 2]);
    assert.deepEqual(listener.cancelReasons, []);
  });

  test('terminal error cancels', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t);
    const failure = new Error('fatal message');
    const judged: unknown[] = [];
    const listener = new RecordingListener<number>({
      isTerminal: (error) => {
        judged.push(error);
        return true;
      },
      onMessage: (message) => {
        if (message.sequence === 1) throw failure;
      },
    });
    const sentinel = new RecordingListener<number>();
    const id = topic.addMessageListener(listener);
    topic.addMessageListener(sentinel);

    await topic.publishAll([0, 1, 2]);

    assert.equal(await listener.waitForCancel(), failure);
    await sentinel.waitForMessages(3);
    assert.deepEqual(judged, [failure]);
    assert.deepEqual(listener.sequences, [0, 1]);
    assert.equal(listener.cancelReasons.length, 1);
    assert.equal(topic.removeMessageListener(id), false);
  });

  test('rejected promise is an error', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t);
    const failure = new Error('async failure');
    const listener = new RecordingListener<number>({
      isTerminal: () => true,
      onMessage: async (message) => {
        if (message.sequence === 0) throw failure;
      },
    });
    topic.addMessageListener(listener);

    await topic.publishAll([0, 1]);

    assert.equal(await listener.waitForCancel(), failure);
    assert.deepEqual(listener.sequences, [0]);
  });

  test('throwing isTerminal cancels', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t);
    const judgeFailure = new Error('isTerminal failed');
    const listener = new RecordingListener<number>({
      isTerminal: () => {
        throw judgeFailure;
      },
      onMessage: () => {
        throw new Error('handler failed');
      },
    });
    topic.addMessageListener(listener);

    await topic.publishAll([0, 1]);

    assert.equal(await listener.waitForCancel(), judgeFailure);
    assert.deepEqual(listener.sequences, [0]);
  });

  test('non-Error terminal value wrapped', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t);
    const listener = new RecordingListener<number>({
      isTerminal: () => true,
      onMessage: () => {
        throw 'plain string';
      },
    });
    topic.addMessageListener(listener);

    await topic.publish(0);

    const reason = await listener.waitForCancel();
    assert.ok(reason instanceof Error);
    assert.equal(reason.cause, 'plain string');
  });
});

describe('foreign items', { concurrency: true }, () => {
  test('non-record item cancels', WAITS, async (t) => {
    const { client, topic, name } = await openTopic<string>(t);
    const listener = new RecordingListener<string>();
    topic.addMessageListener(listener);
    const ring = await client.getRingbuffer<unknown>(RING_PREFIX + name);

    await ring.add('not a topic message');

    const reason = (await listener.waitForCancel()) as Error & { code?: string };
    assert.equal(reason.code, ErrorCode.CORRUPT_DATA);
    assertMessageNamesValue(reason, 'sequence', 0);
    assert.deepEqual(listener.messages, []);
  });
});

describe('cancellation', { concurrency: true }, () => {
  test('self-removal mid-batch stops', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t);
    let id = '';
    const listener = new RecordingListener<number>({
      onMessage: (message) => {
        if (message.sequence === 1) topic.removeMessageListener(id);
      },
    });
    const sentinel = new RecordingListener<number>();
    id = topic.addMessageListener(listener);
    topic.addMessageListener(sentinel);

    await topic.publishAll(range(0, 5));

    await sentinel.waitForMessages(5);
    assert.deepEqual(listener.sequences, [0, 1]);
    assert.deepEqual(
      listener.calls.map((call) => call.method),
      ['storeSequence', 'onMessage', 'storeSequence', 'onMessage', 'onCancel'],
    );
    const [reason] = listener.cancelReasons;
    assert.ok(reason instanceof ListenerRemovedError, `got ${reason?.name}`);
    assert.equal((reason as ListenerRemovedError).code, ErrorCode.LISTENER_REMOVED);
    assert.equal(listener.cancelReasons.length, 1);
  });

  test('removal during async handler', WAITS, async (t) => {
    const { topic } = await openTopic<number>(t);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const listener = new RecordingListener<number>({ onMessage: () => gate });
    const id = topic.addMessageListener(listener);
    await topic.publishAll(range(0, 3));
    await listener.waitForMessages(1);

    assert.equal(topic.removeMessageListener(id), true);
    release();

    const sentinel = new RecordingListener<number>({ initialSequence: 0 });
    topic.addMessageListener(sentinel);
    await sentinel.waitForMessages(3);
    await nextTurn();
    assert.deepEqual(listener.sequences, [0]);
    assert.equal(listener.cancelReasons.length, 1);
  });

  test('removal ends waiting read', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);
    const listener = new RecordingListener<string>();
    const sentinel = new RecordingListener<string>();
    const id = topic.addMessageListener(listener);
    topic.addMessageListener(sentinel);
    await nextTurn();

    assert.equal(topic.removeMessageListener(id), true);
    await topic.publish('after');

    await sentinel.waitForMessages(1);
    assert.deepEqual(listener.messages, []);
    assert.equal(listener.cancelReasons.length, 1);
  });

  test('remove unknown id', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);

    assert.equal(topic.removeMessageListener('no-such-id'), false);
  });

  test('remove non-string id throws', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t);

    assert.throws(
      () => topic.removeMessageListener(42 as never),
      (err: TypeError & { code?: string }) => {
        assert.ok(err instanceof TypeError);
        assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
        assertMessageNamesValue(err, 'registrationId', 42);
        return true;
      },
    );
  });

  test('destroy cancels all listeners', WAITS, async (t) => {
    const { client, topic, name } = await openTopic<string>(t);
    await topic.publish('before');
    const listeners = [new RecordingListener<string>(), new RecordingListener<string>()];
    const ids = listeners.map((listener) => topic.addMessageListener(listener));
    await nextTurn();

    await topic.destroy();

    for (const listener of listeners) {
      assert.equal(listener.cancelReasons.length, 1);
      const [reason] = listener.cancelReasons;
      assert.ok(reason instanceof DistributedObjectDestroyedError, `got ${reason.name}`);
      assert.equal((reason as DistributedObjectDestroyedError).code, ErrorCode.OBJECT_DESTROYED);
    }
    assert.deepEqual(
      ids.map((id) => topic.removeMessageListener(id)),
      [false, false],
    );
    const ring = await client.getRingbuffer(RING_PREFIX + name);
    assert.equal(await ring.tailSequence(), -1);
  });

  test('destroy cancels other client listener', WAITS, async (t) => {
    const { topic, name } = await openTopic<string>(t);
    const otherClient = await startClient(t);
    const other = await otherClient.getReliableTopic<string>(name);
    // Starting at 0, not after the tail, so the message published below reaches it on the
    // cluster too, where the other client reads the tail over its own connection.
    const listener = new RecordingListener<string>({ initialSequence: 0 });
    other.addMessageListener(listener);
    await nextTurn();
    if (backend.kind === 'cluster') {
      // The member cancels only the reads parked on it, and a read that the other client
      // sends after the destroy waits on the new ring. So the listener first receives a
      // message, then gets 200 ms to send its next read over its own connection.
      // NOTE: a member slower than that would make this test fail, not hang.
      await topic.publish('before');
      await listener.waitForMessages(1);
      await delay(200);
    }

    await topic.destroy();

    const reason = await listener.waitForCancel();
    assert.ok(reason instanceof DistributedObjectDestroyedError, `got ${reason.name}`);
    assert.equal(listener.cancelReasons.length, 1);
  });

  test('destroy rejects blocked publish', WAITS, async (t) => {
    const { topic } = await openTopic<string>(t, TTL_RING);
    await topic.publishAll(['a', 'b']);
    const blocked = track(topic.publish('c'));
    assert.ok(await stillWaiting(blocked, 50));

    await topic.destroy();

    const err = await rejectionOf(blocked.promise);
    assert.ok(err instanceof DistributedObjectDestroyedError, `got ${err.name}`);
  });

  test('shutdown cancels listeners', WAITS, async (t) => {
    const { client, topic } = await openTopic<string>(t);
    const listener = new RecordingListener<string>();
    topic.addMessageListener(listener);

    await client.shutdown();

    assert.equal(listener.cancelReasons.length, 1);
    assert.ok(listener.cancelReasons[0] instanceof ClientNotActiveError);
    const err = await rejectionOf(topic.publish('late'));
    assert.equal(err.code, ErrorCode.CLIENT_NOT_ACTIVE);
    assert.throws(() => topic.addMessageListener(() => {}), ClientNotActiveError);
  });

  test('onCancel called once', WAITS, async (t) => {
    const { client, topic } = await openTopic<string>(t);
    const listener = new RecordingListener<string>();
    const id = topic.addMessageListener(listener);

    topic.removeMessageListener(id);
    topic.removeMessageListener(id);
    await topic.destroy();
    await client.shutdown();

    assert.equal(listener.cancelReasons.length, 1);
    assert.ok(listener.cancelReasons[0] instanceof ListenerRemovedError);
  });

  test('throwing onCancel is uncaught', WAITS, async () => {
    const script = path.join(__dirname, 'helpers', 'topic-cancel-throw.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));

    assert.equal(stdout, 'removed=true\n');
    assert.equal(status, 1, `stderr: ${stderr}`);
    assert.match(stderr, /onCancel failed on purpose/);
  });
});

describe('overload with TTL', { concurrency: true }, () => {
  test('ERROR rejects when full', WAITS, async (t) => {
    const config = { topicOverloadPolicy: TopicOverloadPolicy.ERROR };
    const { client, topic, name } = await openTopic<string>(t, TTL_RING, config);
    await topic.publishAll(['a', 'b']);

    const err = await rejectionOf(topic.publish('c'));

    assert.ok(err instanceof TopicOverloadError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.TOPIC_OVERLOAD);
    assert.deepEqual(await storedPayloads(client, name), ['a', 'b']);
  });

  test('ERROR publishAll all-or-nothing', WAITS, async (t) => {
    const config = { topicOverloadPolicy: TopicOverloadPolicy.ERROR };
    const { client, topic, name } = await openTopic<string>(t, TTL_RING, config);
    await topic.publish('a');

    const err = await rejectionOf(topic.publishAll(['b', 'c']));

    assert.equal(err.code, ErrorCode.TOPIC_OVERLOAD);
    assert.deepEqual(await storedPayloads(client, name), ['a']);
  });

  test('DISCARD_NEWEST drops silently', WAITS, async (t) => {
    const config = { topicOverloadPolicy: TopicOverloadPolicy.DISCARD_NEWEST };
    const { client, topic, name } = await openTopic<string>(t, TTL_RING, config);
    await topic.publishAll(['a', 'b']);

    await topic.publish('c');

    assert.deepEqual(await storedPayloads(client, name), ['a', 'b']);
  });

  test('BLOCK waits for expiry', WAITS, async (t) => {
    const { client, topic, name } = await openTopic<string>(t, TTL_RING);
    await topic.publishAll(['a', 'b']);

    const blocked = track(topic.publish('c'));

    assert.ok(await stillWaiting(blocked, 200), 'publish did not wait');
    await blocked.promise;
    assert.deepEqual(await storedPayloads(client, name), ['c']);
  });

  test('BLOCK keeps call order', WAITS, async (t) => {
    // The TTL frees the ring at about 1000 ms. Retrying on its own, 'd' (tried at 350,
    // 450, 650 and 1050 ms) would land before 'c' (tried at 0, 100, 300, 700, 1500 ms).
    const { topic } = await openTopic<string>(t, TTL_RING);
    const listener = new RecordingListener<string>({ initialSequence: 0 });
    topic.addMessageListener(listener);
    await topic.publishAll(['a', 'b']);

    const first = topic.publish('c');
    await new Promise((resolve) => setTimeout(resolve, 350));
    const second = topic.publish('d');
    await Promise.all([first, second]);

    await listener.waitForMessages(4);
    assert.deepEqual(listener.payloads, ['a', 'b', 'c', 'd']);
    assert.deepEqual(listener.sequences, [0, 1, 2, 3]);
  });

  test('DISCARD_OLDEST overwrites', WAITS, async (t) => {
    const config = { topicOverloadPolicy: TopicOverloadPolicy.DISCARD_OLDEST };
    const { client, topic, name } = await openTopic<string>(t, TTL_RING, config);
    await topic.publishAll(['a', 'b']);

    await topic.publish('c');

    assert.deepEqual(await storedPayloads(client, name), ['b', 'c']);
  });
});

describe('overload without TTL', { concurrency: true }, () => {
  for (const policy of Object.values(TopicOverloadPolicy)) {
    test(`${policy} overwrites`, WAITS, async (t) => {
      const warnings = captureWarnings(t);
      const config = { topicOverloadPolicy: policy };
      const { client, topic, name } = await openTopic<string>(t, { capacity: 2 }, config);

      await topic.publishAll(['a', 'b']);
      await topic.publish('c');
      await nextTurn();

      assert.deepEqual(await storedPayloads(client, name), ['b', 'c']);
      const ringWarnings = warnings.filter((warning) => warning.message.includes(name));
      assert.deepEqual(ringWarnings, []);
    });
  }
});

describe('publishAll beyond capacity', { concurrency: true }, () => {
  for (const policy of FAIL_POLICIES) {
    for (const timeToLiveSeconds of [0, 3600]) {
      test(`${policy} ttl=${timeToLiveSeconds} rejects`, WAITS, async (t) => {
        const ring = { capacity: 2, timeToLiveSeconds };
        const config = { topicOverloadPolicy: policy };
        const { client, topic, name } = await openTopic<string>(t, ring, config);

        const err = await rejectionOf(topic.publishAll(['a', 'b', 'c']));

        assert.ok(err instanceof RangeError, `got ${err.name}`);
        assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
        assertMessageNamesValue(err, 'messages.length', 3);
        assertMessageNamesValue(err, 'capacity', 2);
        assert.deepEqual(await storedPayloads(client, name), []);
      });
    }
  }

  test('DISCARD_OLDEST stores the last', WAITS, async (t) => {
    const config = { topicOverloadPolicy: TopicOverloadPolicy.DISCARD_OLDEST };
    const { client, topic, name } = await openTopic<string>(t, { capacity: 2 }, config);

    await topic.publishAll(['a', 'b', 'c']);

    assert.deepEqual(await storedPayloads(client, name), ['b', 'c']);
  });
});

describe('arguments', { concurrency: true }, () => {
  test('publish null rejects', async (t) => {
    const { topic } = await openTopic<string | null>(t);

    const err = await rejectionOf(topic.publish(null));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
    assertMessageNamesValue(err, 'message', null);
  });

  test('publishAll empty rejects', async (t) => {
    const { topic } = await openTopic<string>(t);

    const err = await rejectionOf(topic.publishAll([]));

    assert.ok(err instanceof RangeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
  });

  test('publishAll undefined item rejects', async (t) => {
    const { client, topic, name } = await openTopic<string | undefined>(t);

    const err = await rejectionOf(topic.publishAll(['a', undefined]));

    assert.ok(err instanceof TypeError);
    assertMessageNamesValue(err, 'messages[1]', undefined);
    assert.deepEqual(await storedPayloads(client, name), []);
  });

  test('unstorable value names message path', async (t) => {
    const { topic } = await openTopic<unknown>(t);

    const err = await rejectionOf(topic.publish({ handler: () => 1 }));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_VALUE);
    // The embedded codec words it `message.handler is ...`, the cluster `message.handler=...`.
    assert.match(err.message, /^message\.handler[ =]/);
  });

  const badListeners: Array<[string, unknown, string]> = [
    ['number', 5, 'listener'],
    ['no onMessage', {}, 'listener.onMessage'],
    ['boolean isLossTolerant', { onMessage() {}, isLossTolerant: true }, 'listener.isLossTolerant'],
  ];
  for (const [label, listener, option] of badListeners) {
    test(`listener ${label} throws`, async (t) => {
      const { topic } = await openTopic<string>(t);

      assert.throws(
        () => topic.addMessageListener(listener as never),
        (err: TypeError & { code?: string }) => {
          assert.ok(err instanceof TypeError, `got ${err.name}`);
          assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
          assert.match(err.message, new RegExp(`^${option.replace('.', '\\.')}=`));
          return true;
        },
      );
    });
  }

  for (const initialSequence of [-2, 1.5]) {
    test(`initialSequence ${initialSequence} throws`, async (t) => {
      const { topic } = await openTopic<string>(t);
      const listener = { onMessage() {}, initialSequence: () => initialSequence };

      assert.throws(
        () => topic.addMessageListener(listener),
        (err: RangeError & { code?: string }) => {
          assert.ok(err instanceof RangeError, `got ${err.name}`);
          assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
          assertMessageNamesValue(err, 'initialSequence()', initialSequence);
          return true;
        },
      );
    });
  }

  test('invalid topic name rejects', async (t) => {
    const client = await startClient(t);

    const err = await rejectionOf(client.getReliableTopic(''));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
  });
});

describe('configuration', { concurrency: true }, () => {
  const invalid: Array<[string, unknown, string, unknown, typeof TypeError]> = [
    ['readBatchSize zero', { readBatchSize: 0 }, 'readBatchSize', 0, RangeError],
    ['readBatchSize fraction', { readBatchSize: 1.5 }, 'readBatchSize', 1.5, RangeError],
    ['readBatchSize NaN', { readBatchSize: NaN }, 'readBatchSize', NaN, RangeError],
    ['readBatchSize string', { readBatchSize: '10' }, 'readBatchSize', '"10"', TypeError],
    ['unknown policy', { topicOverloadPolicy: 'DROP' }, 'topicOverloadPolicy', '"DROP"', TypeError],
  ];
  for (const [label, config, option, value, ErrorType] of invalid) {
    test(`getReliableTopic ${label} rejects`, async (t) => {
      const client = await startClient(t);

      const err = await rejectionOf(client.getReliableTopic(uniqueName(), config as never));

      assert.ok(err instanceof ErrorType, `got ${err.name}`);
      assert.equal(err.code, ErrorCode.INVALID_CONFIG);
      assertMessageNamesValue(err, `config.${option}`, value);
    });

    test(`createClient ${label} rejects`, async () => {
      const options = { reliableTopics: { news: config } } as ClientOptions;

      const err = await rejectionOf(createClient(options));

      assert.ok(err instanceof ErrorType, `got ${err.name}`);
      assert.equal(err.code, ErrorCode.INVALID_CONFIG);
      assertMessageNamesValue(err, `reliableTopics["news"].${option}`, value);
    });
  }

  test('unknown option rejects', async (t) => {
    const client = await startClient(t);

    const err = await rejectionOf(client.getReliableTopic('x', { batch: 1 } as never));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
    assert.match(err.message, /config\.batch is not a reliable topic option/);
  });

  test('reliableTopics non-object rejects', async () => {
    const err = await rejectionOf(createClient({ reliableTopics: 3 as never }));

    assert.ok(err instanceof TypeError);
    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
    assertMessageNamesValue(err, 'reliableTopics', 3);
  });

  test('two-star pattern rejects', async () => {
    const err = await rejectionOf(createClient({ reliableTopics: { 'a*b*': {} } }));

    assert.equal(err.code, ErrorCode.INVALID_CONFIG);
  });

  test('topic config matched by pattern', WAITS, async (t) => {
    const name = uniqueName('orders');
    const client = await startClient(t, {
      ringbuffers: { [name]: TTL_RING },
      reliableTopics: {
        'orders-*': { topicOverloadPolicy: TopicOverloadPolicy.ERROR },
        default: { topicOverloadPolicy: TopicOverloadPolicy.DISCARD_NEWEST },
      },
    });
    const topic = await client.getReliableTopic<string>(name);
    await topic.publishAll(['a', 'b']);

    const err = await rejectionOf(topic.publish('c'));

    assert.equal(err.code, ErrorCode.TOPIC_OVERLOAD);
  });

  test('ring config matched by topic name', async (t) => {
    const name = uniqueName('news');
    const client = await startClient(t, { ringbuffers: { 'news-*': { capacity: 3 } } });

    await client.getReliableTopic(name);

    const ring = await client.getRingbuffer(RING_PREFIX + name);
    assert.equal(await ring.capacity(), 3);
  });

  test('one topic object per name', async (t) => {
    const client = await startClient(t);
    const name = uniqueName();

    const first = await client.getReliableTopic(name);
    const second = await client.getReliableTopic(name);

    assert.equal(first, second);
    assert.equal(first.getName(), backendTopicName(name));
  });

  test('conflicting topic config rejects', async (t) => {
    const client = await startClient(t);
    const name = uniqueName();
    await client.getReliableTopic(name, { readBatchSize: 5 });

    const err = await rejectionOf(client.getReliableTopic(name, { readBatchSize: 6 }));

    assert.ok(err instanceof ConfigConflictError, `got ${err.name}`);
    assert.equal(err.code, ErrorCode.CONFIG_CONFLICT);
    assertMessageNamesValue(err, 'readBatchSize', 5);
    assertMessageNamesValue(err, 'readBatchSize', 6);
  });
});

describe('worker threads', { concurrency: true }, () => {
  const workerScript = path.join(__dirname, 'helpers', 'topic-worker.ts');
  // Workers do not inherit `--import tsx` in Node.js 20, so the worker registers tsx itself,
  // for import() too, which createClient uses to load the cluster backend. The ESM hooks are
  // registered through the `import` entry of tsx/esm/api; its `require` entry fails in an
  // eval worker.
  const esmApi = path.join(path.dirname(require.resolve('tsx/esm/api')), 'index.mjs');
  const bootstrap =
    `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();` +
    `import(${JSON.stringify(esmApi)}).then((tsx) => {` +
    `  tsx.register();` +
    `  require(${JSON.stringify(workerScript)});` +
    `});`;

  test('worker listener gets main publishes', WAITS, async (t) => {
    const client = await startClient(t);
    const name = uniqueName('shared-topic');
    const topic = await client.getReliableTopic<{ n: number }>(name);
    // On the cluster the worker's client reads the tail over its own connection, so the
    // first publish could land before that read. There the worker starts at 0 instead.
    const initialSequence = backend.kind === 'cluster' ? 0 : undefined;
    const task: TopicWorkerTask = { name: topic.getName(), count: 3, initialSequence };
    const worker = new Worker(bootstrap, { eval: true, workerData: task });
    t.after(() => worker.terminate());
    const reports: TopicWorkerReport[] = [];
    const nextReport = () =>
      new Promise<TopicWorkerReport>((resolve, reject) => {
        const queued = reports.shift();
        if (queued !== undefined) return resolve(queued);
        worker.once('message', () => resolve(reports.shift()!));
        worker.once('error', reject);
      });
    worker.on('message', (report: TopicWorkerReport) => reports.push(report));

    assert.deepEqual(await nextReport(), { kind: 'listening' });
    await topic.publish({ n: 1 });
    await topic.publishAll([{ n: 2 }, { n: 3 }]);

    assert.deepEqual(await nextReport(), {
      kind: 'received',
      sequences: [0, 1, 2],
      payloads: [{ n: 1 }, { n: 2 }, { n: 3 }],
    });
  });
});
