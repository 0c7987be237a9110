/**
 * An audit log that keeps only the last 1,000 events: older ones are overwritten. To show
 * the last 100 events, read from max(headSequence, tailSequence - 99), which also works
 * while the log has fewer than 100 events.
 * Run: node --import tsx examples/audit-log.ts
 */
import { createClient, type Ringbuffer } from '../src/index';

interface AuditEvent {
  at: Date;
  actor: string;
  action: string;
}

async function lastEvents(log: Ringbuffer<AuditEvent>, count: number): Promise<AuditEvent[]> {
  const head = await log.headSequence();
  const tail = await log.tailSequence();
  const start = Math.max(head, tail - count + 1);
  // minCount 0 returns at once, also when the log is empty.
  const result = await log.readMany(start, 0, count);
  return [...result];
}

async function main(): Promise<void> {
  const client = await createClient();
  try {
    const log = await client.getRingbuffer<AuditEvent>('audit-log', { capacity: 1000 });
    const actors = ['ana', 'bo', 'cy'];
    const epoch = Date.UTC(2024, 0, 1);

    const logins = Array.from({ length: 30 }, (_, i) => ({
      at: new Date(epoch + i * 1000),
      actor: actors[i % 3],
      action: `login #${i}`,
    }));
    await log.addAll(logins);
    console.log(`with 30 events, the last 100 are ${(await lastEvents(log, 100)).length} events`);

    for (let i = 30; i < 2500; i += 100) {
      const events = Array.from({ length: 100 }, (_, k) => ({
        at: new Date(epoch + (i + k) * 1000),
        actor: actors[(i + k) % 3],
        action: `update #${i + k}`,
      }));
      await log.addAll(events);
    }
    const head = await log.headSequence();
    const tail = await log.tailSequence();
    console.log(`after 2,530 events the log keeps sequences ${head}..${tail}`);

    const recent = await lastEvents(log, 100);
    const first = recent[0];
    const last = recent[recent.length - 1];
    console.log(
      `last 100 events: ${first.action} (${first.at.toISOString()}) .. ` +
        `${last.action} by ${last.actor}`,
    );
  } finally {
    await client.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
