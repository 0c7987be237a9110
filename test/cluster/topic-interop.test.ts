/**
 * ringcast's ReliableTopic and Hazelcast's own ReliableTopic of the same name share messages
 * both ways: a plain hazelcast-client instance without ringcast publishes and listens, and
 * the Java member deserializes ringcast's messages when the topic's ring keeps objects.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';

import type { Message as HazelcastMessage } from 'hazelcast-client';

import { createClient, ErrorCode, TopicOverloadError, TopicOverloadPolicy } from '../../src/index';
import type { Client } from '../../src/index';
import { ringSuffix } from '../helpers/member';
import { startOfficialClient } from '../helpers/official';
import { clusterOptions, rejectionOf, uniqueName } from '../helpers/ring';
import { LISTENER_WAIT_MS, RecordingListener } from '../helpers/topic-listener';

const PAYLOADS: unknown[] = [
  'héllo 🌍',
  42.5,
  { id: 7, tags: ['a', 'b'], nested: { ok: true, ratio: 0.25 } },
];

const TIMEOUT = { timeout: 60_000 };

async function startRingcast(t: TestContext): Promise<Client> {
  const client = await createClient({ cluster: clusterOptions() });
  t.after(() => client.shutdown());
  return client;
}

/** Messages an official listener received, with a bounded wait for them. */
class OfficialRecorder {
  readonly messages: Array<HazelcastMessage<unknown>> = [];
  #wake: (() => void) | undefined;

  readonly listener = (message: HazelcastMessage<unknown>): void => {
    this.messages.push(message);
    this.#wake?.();
  };

  get payloads(): unknown[] {
    return this.messages.map((message) => message.messageObject);
  }

  /** Resolves once `count` messages arrived; rejects after LISTENER_WAIT_MS. */
  async waitForMessages(count: number): Promise<void> {
    const deadline = Date.now() + LISTENER_WAIT_MS;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out: received ${this.messages.length} of ${count} messages`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

test('official publish reaches ringcast listener', TIMEOUT, async (t) => {
  const name = uniqueName('topic-interop');
  const ringcast = await startRingcast(t);
  const official = await startOfficialClient(t);
  const topic = await ringcast.getReliableTopic<unknown>(name);
  const listener = new RecordingListener<unknown>({ initialSequence: 0 });
  topic.addMessageListener(listener);

  const officialTopic = await official.getReliableTopic<unknown>(name);
  const before = Date.now();
  for (const payload of PAYLOADS) await officialTopic.publish(payload);
  const after = Date.now();

  await listener.waitForMessages(PAYLOADS.length);
  assert.deepEqual(listener.payloads, PAYLOADS);
  assert.deepEqual(listener.sequences, [0, 1, 2]);
  for (const message of listener.messages) {
    assert.ok(message.publishingTime >= before, `publishingTime ${message.publishingTime}`);
    assert.ok(message.publishingTime <= after, `publishingTime ${message.publishingTime}`);
  }
  assert.deepEqual(listener.cancelReasons, []);
});

test('ringcast publish reaches official listener', TIMEOUT, async (t) => {
  const name = uniqueName('topic-interop');
  const ringcast = await startRingcast(t);
  const official = await startOfficialClient(t);
  const officialTopic = await official.getReliableTopic<unknown>(name);
  const recorder = new OfficialRecorder();
  officialTopic.addMessageListener(recorder.listener);
  // The official listener starts after a tail read of its own. A message it publishes
  // after adding the listener is read after that tail read, and once it has arrived the
  // listener reads every later message.
  await officialTopic.publish('ready');
  await recorder.waitForMessages(1);

  const topic = await ringcast.getReliableTopic<unknown>(name);
  const before = Date.now();
  await topic.publish(PAYLOADS[0]);
  await topic.publishAll(PAYLOADS.slice(1));
  const after = Date.now();

  await recorder.waitForMessages(1 + PAYLOADS.length);
  assert.deepEqual(recorder.payloads, ['ready', ...PAYLOADS]);
  for (const message of recorder.messages.slice(1)) {
    const publishingTime = Number(message.publishingTime);
    assert.ok(publishingTime >= before, `publishingTime ${publishingTime}`);
    assert.ok(publishingTime <= after, `publishingTime ${publishingTime}`);
    const publisher = message.publisher as { host?: unknown; port?: unknown } | null;
    assert.equal(typeof publisher?.host, 'string', 'publisher address has no host');
    assert.equal(typeof publisher?.port, 'number', 'publisher address has no port');
  }
});

test('member deserializes ringcast messages', TIMEOUT, async (t) => {
  // The member config for this suffix keeps the ring's items as objects, so the member
  // deserializes each ReliableTopicMessage on add with Hazelcast's Java class and serializes
  // it again for every read.
  const name = uniqueName('topic-interop') + ringSuffix(10, 0, 'OBJECT');
  const ringcast = await startRingcast(t);
  const topic = await ringcast.getReliableTopic<unknown>(name);
  const listener = new RecordingListener<unknown>({ initialSequence: 0 });
  topic.addMessageListener(listener);

  await topic.publishAll(PAYLOADS);

  await listener.waitForMessages(PAYLOADS.length);
  assert.deepEqual(listener.payloads, PAYLOADS);
  const official = await startOfficialClient(t);
  const ring = await official.getRingbuffer<{ publishTime: { toNumber(): number } }>(
    `_hz_rb_${name}`,
  );
  const stored = await ring.readOne(0);
  assert.equal(stored.publishTime.toNumber(), listener.messages[0].publishingTime);
});

test('member TTL decides overload', TIMEOUT, async (t) => {
  // The client has no ring config for this topic, so it cannot tell that the ring has a
  // TTL. The member's config for the suffix gives capacity 2 and a TTL of 30 s, so a third
  // message finds no room and ERROR rejects it, as Hazelcast's own topic would.
  const name = uniqueName('topic-overload') + ringSuffix(2, 30, 'BINARY');
  const ringcast = await startRingcast(t);
  const policy = TopicOverloadPolicy.ERROR;
  const topic = await ringcast.getReliableTopic<string>(name, { topicOverloadPolicy: policy });
  await topic.publishAll(['a', 'b']);

  const err = await rejectionOf(topic.publish('c'));

  assert.ok(err instanceof TopicOverloadError, `got ${err.name}`);
  assert.equal(err.code, ErrorCode.TOPIC_OVERLOAD);
  // The client's configuration has no TTL, so the message must not claim one.
  assert.match(err.message, /the TTL set on the members/);
  const ring = await ringcast.getRingbuffer<{ payload: unknown }>(`_hz_rb_${name}`);
  const stored = await ring.readMany(0, 0, 2);
  assert.deepEqual(
    [...stored].map((record) => record.payload),
    ['a', 'b'],
  );
  assert.equal(await ring.tailSequence(), 1);
});
