/**
 * Batch reads with a cursor: addAll a batch, then page through it with readMany, continuing
 * each time from getNextSequenceToReadFrom().
 * Run: node --import tsx examples/batch-read-cursor.ts
 */
import { createClient } from '../src/index';

interface Order {
  id: number;
  amount: number;
}

async function main(): Promise<void> {
  const client = await createClient();
  try {
    const ring = await client.getRingbuffer<Order>('batch-read-cursor', { capacity: 100 });
    const orders = Array.from({ length: 10 }, (_, i) => ({ id: 1000 + i, amount: (i + 1) * 5 }));
    const last = await ring.addAll(orders);
    console.log(`addAll(${orders.length} orders) -> last sequence ${last}`);

    // minCount 0: return what is there now, without waiting. A page is at most 4 items.
    let cursor = await ring.headSequence();
    let total = 0;
    for (let page = 1; cursor <= last; page++) {
      const result = await ring.readMany(cursor, 0, 4);
      const ids = [...result].map((order) => order.id);
      total += [...result].reduce((sum, order) => sum + order.amount, 0);
      const first = result.getSequence(0);
      const end = result.getSequence(result.size() - 1);
      console.log(`page ${page}: sequences ${first}..${end} ids ${ids.join(',')}`);
      cursor = result.getNextSequenceToReadFrom();
    }
    console.log(`read all ${orders.length} orders; total amount ${total}; next cursor ${cursor}`);
  } finally {
    await client.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
