/**
 * Basic operations: add items, read one by sequence, and watch head, tail and size as a
 * full ring overwrites its oldest item.
 * Run: node --import tsx examples/basic-operations.ts
 */
import { createClient, StaleSequenceError } from '../src/index';

async function main(): Promise<void> {
  const client = await createClient();
  try {
    const ring = await client.getRingbuffer<string>('basic-operations', { capacity: 3 });
    console.log(`new ring: capacity=${await ring.capacity()} size=${await ring.size()} ` +
      `head=${await ring.headSequence()} tail=${await ring.tailSequence()}`);

    for (const word of ['alpha', 'beta', 'gamma', 'delta']) {
      const sequence = await ring.add(word);
      console.log(`add(${JSON.stringify(word)}) -> sequence ${sequence}`);
    }

    // Four adds into capacity 3: "alpha" (sequence 0) was overwritten.
    const head = await ring.headSequence();
    const tail = await ring.tailSequence();
    console.log(`after 4 adds: size=${await ring.size()} head=${head} tail=${tail}`);
    console.log(`readOne(${head}) = ${JSON.stringify(await ring.readOne(head))}`);
    console.log(`readOne(${tail}) = ${JSON.stringify(await ring.readOne(tail))}`);

    try {
      await ring.readOne(0);
    } catch (error) {
      if (!(error instanceof StaleSequenceError)) throw error;
      console.log(
        `readOne(0) rejects with ${error.code}: the oldest sequence is ${error.headSequence}`,
      );
    }
  } finally {
    await client.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
