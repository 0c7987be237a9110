/**
 * Overflow policies. OVERWRITE (the default) drops the oldest items when the ring is full.
 * FAIL stores nothing and returns -1 when there is no room, but, as in Hazelcast, room is
 * only taken by unexpired items, so FAIL can fail only on a ring with a time-to-live.
 * Run: node --import tsx examples/overflow-policies.ts
 */
import { createClient, OverflowPolicy } from '../src/index';

async function main(): Promise<void> {
  const client = await createClient();
  try {
    const overwriting = await client.getRingbuffer<string>('overflow-overwrite', { capacity: 3 });
    await overwriting.addAll(['e1', 'e2', 'e3', 'e4', 'e5'], OverflowPolicy.OVERWRITE);
    const head = await overwriting.headSequence();
    const tail = await overwriting.tailSequence();
    console.log(`OVERWRITE: 5 items into capacity 3 -> head=${head} tail=${tail}, ` +
      `oldest left ${JSON.stringify(await overwriting.readOne(head))}`);

    const expiring = await client.getRingbuffer<string>('overflow-fail', {
      capacity: 3,
      timeToLiveSeconds: 60,
    });
    await expiring.addAll(['a', 'b', 'c'], OverflowPolicy.FAIL);
    const remaining = await expiring.remainingCapacity();
    const failed = await expiring.add('d', OverflowPolicy.FAIL);
    console.log(`FAIL with timeToLiveSeconds=60: remainingCapacity=${remaining}, ` +
      `add returned ${failed}, size still ${await expiring.size()}`);

    const all = await expiring.addAll(['x', 'y'], OverflowPolicy.FAIL);
    console.log(`FAIL addAll of 2 items is all-or-nothing: returned ${all}`);

    const forced = await expiring.add('d', OverflowPolicy.OVERWRITE);
    console.log(`OVERWRITE on the same ring: add returned ${forced}, ` +
      `head moved to ${await expiring.headSequence()}`);
  } finally {
    await client.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
