/**
 * Seeded random operation sequences on rings of random capacity (including 1), compared step
 * by step with the plain TypeScript model in helpers/model.ts: every result, every error and
 * every counter after every step.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import fc from 'fast-check';

import { ErrorCode, InMemoryFormat, OverflowPolicy, StaleSequenceError } from '../src/index';
import type { ReadResultSet, Ringbuffer } from '../src/index';
import { RingModel } from './helpers/model';
import type { ReadManyContent, ReadOutcome } from './helpers/model';
import { rejectionOf, startClient, uniqueName } from './helpers/ring';

const SEED = 20_240_229;
const RUNS = 200;
const MAX_OPS = 60;
/** Long enough that nothing expires during the run, so the model needs no clock. */
const LONG_TTL = 3600;

const FILTERS = {
  even: (n: number) => n % 2 === 0,
  odd: (n: number) => n % 2 === 1,
  multipleOf3: (n: number) => n % 3 === 0,
  none: () => false,
};
type FilterName = keyof typeof FILTERS;

type Op =
  | { kind: 'add'; item: number; fail: boolean }
  | { kind: 'addAll'; items: number[]; fail: boolean }
  /** Reads sequence headSequence - 2 + offset, moved past tail + 1 so it never waits. */
  | { kind: 'readOne'; offset: number }
  /** Reads from headSequence - 3 + startOffset, with minCount 0 where the read would wait. */
  | {
      kind: 'readMany';
      startOffset: number;
      minCount: number;
      maxCount: number;
      filter: FilterName | undefined;
    };

interface Scenario {
  capacity: number;
  withTtl: boolean;
  format: InMemoryFormat;
  ops: Op[];
}

function opArbitrary(capacity: number): fc.Arbitrary<Op> {
  const item = fc.integer({ min: 0, max: 999 });
  return fc.oneof(
    fc.record({ kind: fc.constant('add' as const), item, fail: fc.boolean() }),
    fc.record({
      kind: fc.constant('addAll' as const),
      items: fc.array(item, { minLength: 1, maxLength: 2 * capacity + 1 }),
      fail: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('readOne' as const),
      offset: fc.integer({ min: 0, max: capacity + 5 }),
    }),
    fc.record({
      kind: fc.constant('readMany' as const),
      startOffset: fc.integer({ min: 0, max: capacity + 6 }),
      minCount: fc.integer({ min: -1, max: capacity + 1 }),
      maxCount: fc.integer({ min: -1, max: capacity + 2 }),
      filter: fc.option(fc.constantFrom(...(Object.keys(FILTERS) as FilterName[])), {
        nil: undefined,
      }),
    }),
  );
}

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .record({
    capacity: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 12 })),
    withTtl: fc.boolean(),
    format: fc.constantFrom(InMemoryFormat.BINARY, InMemoryFormat.OBJECT),
  })
  .chain((ring) =>
    fc.record({
      capacity: fc.constant(ring.capacity),
      withTtl: fc.constant(ring.withTtl),
      format: fc.constant(ring.format),
      ops: fc.array(opArbitrary(ring.capacity), { maxLength: MAX_OPS, size: 'max' }),
    }),
  );

async function assertCountersMatch(
  ring: Ringbuffer<number>,
  model: RingModel<number>,
  step: string,
): Promise<void> {
  const head = await ring.headSequence();
  const tail = await ring.tailSequence();
  assert.equal(head, model.headSequence, `${step}: headSequence`);
  assert.equal(tail, model.tailSequence, `${step}: tailSequence`);
  assert.equal(await ring.size(), model.size, `${step}: size`);
  assert.equal(await ring.capacity(), model.capacity, `${step}: capacity`);
  assert.equal(await ring.remainingCapacity(), model.remainingCapacity, `${step}: remaining`);
  assert.ok(head <= tail + 1, `${step}: head > tail + 1`);
}

async function assertRejectedLike(
  actual: Promise<unknown>,
  expected: ReadOutcome<unknown>,
  step: string,
): Promise<void> {
  const err = await rejectionOf(actual);
  if (expected.kind === 'stale') {
    assert.ok(err instanceof StaleSequenceError, `${step}: got ${err.name}`);
    assert.equal(err.headSequence, expected.headSequence, `${step}: headSequence`);
    return;
  }
  assert.ok(expected.kind === 'rangeError', `${step}: model expected ${expected.kind}`);
  assert.ok(err instanceof RangeError, `${step}: got ${err.name}`);
  assert.equal(err.code, ErrorCode.INVALID_ARGUMENT, `${step}: code`);
  assert.ok(err.message.includes(expected.argument), `${step}: ${err.message}`);
}

function contentOf(result: ReadResultSet<number>): ReadManyContent<number> {
  return {
    items: [...result],
    sequences: Array.from({ length: result.size() }, (_, i) => result.getSequence(i) as number),
    readCount: result.getReadCount(),
    nextSequenceToReadFrom: result.getNextSequenceToReadFrom(),
  };
}

/** Applies `op` to the ring and the model and asserts that both give the same result. */
async function applyOp(
  ring: Ringbuffer<number>,
  model: RingModel<number>,
  op: Op,
  step: string,
): Promise<void> {
  switch (op.kind) {
    case 'add': {
      const policy = op.fail ? OverflowPolicy.FAIL : OverflowPolicy.OVERWRITE;
      const sequence = await ring.add(op.item, policy);
      assert.equal(sequence, model.add(op.item, op.fail), step);
      return;
    }
    case 'addAll': {
      const policy = op.fail ? OverflowPolicy.FAIL : OverflowPolicy.OVERWRITE;
      const sequence = await ring.addAll(op.items, policy);
      assert.equal(sequence, model.addAll(op.items, op.fail), step);
      return;
    }
    case 'readOne': {
      let sequence = model.headSequence - 2 + op.offset;
      if (sequence === model.tailSequence + 1) {
        sequence += 1;
      }
      const expected = model.readOne(sequence);
      if (expected.kind === 'value') {
        assert.equal(await ring.readOne(sequence), expected.value, step);
      } else {
        await assertRejectedLike(ring.readOne(sequence), expected, step);
      }
      return;
    }
    case 'readMany': {
      const start = model.headSequence - 3 + op.startOffset;
      const filter = op.filter === undefined ? undefined : FILTERS[op.filter];
      let minCount = op.minCount;
      let expected = model.readMany(start, minCount, op.maxCount, filter);
      if (expected.kind === 'waits') {
        minCount = 0;
        expected = model.readMany(start, minCount, op.maxCount, filter);
      }
      const read = ring.readMany(start, minCount, op.maxCount, filter);
      if (expected.kind === 'value') {
        assert.deepEqual(contentOf(await read), expected.value, step);
      } else {
        await assertRejectedLike(read, expected, step);
      }
      return;
    }
  }
}

// Node.js prints every process warning. The FAIL-without-TTL warning that these runs emit
// once per ring is counted here instead of printed, so the test output stays readable.
const printers: Array<(...args: unknown[]) => void> = [];
let failWarnings = 0;
const countWarning = (warning: Error & { code?: string }): void => {
  if (warning.code === ErrorCode.FAIL_WITHOUT_TTL) {
    failWarnings += 1;
  }
};
before(() => {
  printers.push(...(process.listeners('warning') as Array<(...args: unknown[]) => void>));
  process.removeAllListeners('warning');
  process.on('warning', countWarning);
});
after(async () => {
  // Warnings are emitted on a later tick, so the last ones are counted before printing resumes.
  await new Promise((resolve) => setImmediate(resolve));
  process.off('warning', countWarning);
  for (const printer of printers) {
    process.on('warning', printer);
  }
});

test('random operations match model', async (t) => {
  const client = await startClient(t);
  let ringsUsingFailWithoutTtl = 0;

  await fc.assert(
    fc.asyncProperty(scenarioArbitrary, async (scenario) => {
      const ring = await client.getRingbuffer<number>(uniqueName('property'), {
        capacity: scenario.capacity,
        timeToLiveSeconds: scenario.withTtl ? LONG_TTL : 0,
        inMemoryFormat: scenario.format,
      });
      const model = new RingModel<number>(scenario.capacity, scenario.withTtl);
      try {
        for (const [index, op] of scenario.ops.entries()) {
          const step = `step ${index} ${JSON.stringify(op)}`;
          await applyOp(ring, model, op, step);
          await assertCountersMatch(ring, model, step);
        }
      } finally {
        await ring.destroy();
      }
      const usesFail = scenario.ops.some((op) => 'fail' in op && op.fail);
      if (usesFail && !scenario.withTtl) {
        ringsUsingFailWithoutTtl += 1;
      }
    }),
    { seed: SEED, numRuns: RUNS, includeErrorInReport: true },
  );

  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(failWarnings, ringsUsingFailWithoutTtl);
});
