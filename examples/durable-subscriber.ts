/**
 * Publish/subscribe with a durable subscriber. A billing subscriber stores each message's
 * sequence (storeSequence runs before onMessage), stops after a few orders, misses the
 * orders published while it is down, and restarts at its stored sequence + 1, so it
 * handles every order once. Restarting at the stored sequence itself would redeliver the
 * last message instead (at-least-once, for a handler that may have stopped mid-message).
 * Run: node --import tsx examples/durable-subscriber.ts
 */
import { createClient, type Message, type ReliableMessageListener } from '../src/index';

interface Order {
  id: number;
  amount: number;
}

/** Stands in for durable storage of each subscriber's last stored sequence. */
const checkpoints = new Map<string, number>();

/**
 * Creates a billing subscriber that resumes after its checkpoint and calls `onStop` after
 * handling `stopAfter` orders.
 */
function billingSubscriber(
  stopAfter: number,
  onStop: () => void,
): ReliableMessageListener<Order> & { handled: number[]; total: number } {
  return {
    handled: [],
    total: 0,
    initialSequence: () => (checkpoints.get('billing') ?? -1) + 1,
    storeSequence: (sequence) => {
      checkpoints.set('billing', sequence);
    },
    onMessage(message: Message<Order>) {
      this.handled.push(message.messageObject.id);
      this.total += message.messageObject.amount;
      if (this.handled.length === stopAfter) onStop();
    },
  };
}

async function main(): Promise<void> {
  const client = await createClient({ ringbuffers: { orders: { capacity: 100 } } });
  try {
    const topic = await client.getReliableTopic<Order>('orders');
    const orders = Array.from({ length: 8 }, (_, i) => ({ id: i + 1, amount: 10 * (i + 1) }));

    // A plain function listener receives what is published after it subscribes.
    let live = 0;
    let allSeen: () => void = () => {};
    const liveSawAll = new Promise<void>((resolve) => (allSeen = resolve));
    topic.addMessageListener(() => {
      if (++live === orders.length) allSeen();
    });

    let firstId = '';
    let stopped: () => void = () => {};
    const firstRunStopped = new Promise<void>((resolve) => (stopped = resolve));
    const firstRun = billingSubscriber(3, () => {
      topic.removeMessageListener(firstId);
      stopped();
    });
    firstId = topic.addMessageListener(firstRun);
    await topic.publishAll(orders.slice(0, 5));
    await firstRunStopped;
    console.log(`first run handled orders ${firstRun.handled.join(',')}; ` +
      `stored sequence ${checkpoints.get('billing')}`);

    await topic.publishAll(orders.slice(5));
    let restartId = '';
    let finished: () => void = () => {};
    const restartFinished = new Promise<void>((resolve) => (finished = resolve));
    const restart = billingSubscriber(5, () => {
      topic.removeMessageListener(restartId);
      finished();
    });
    const resumeAt = restart.initialSequence!();
    restartId = topic.addMessageListener(restart);
    await Promise.all([restartFinished, liveSawAll]);
    console.log(`restart at sequence ${resumeAt} handled orders ${restart.handled.join(',')}`);

    const billed = [...firstRun.handled, ...restart.handled];
    const exactlyOnce = billed.length === orders.length && new Set(billed).size === billed.length;
    console.log(`billed ${billed.length} of ${orders.length} orders, ` +
      `${exactlyOnce ? 'each exactly once' : 'with gaps or repeats'}: ` +
      `total ${firstRun.total + restart.total}; the live listener saw ${live}`);
  } finally {
    await client.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
