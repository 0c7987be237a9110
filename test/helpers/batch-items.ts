/** The task and items that batch-atomicity.test.ts and its worker share. */

/** What the worker appends: `batches` batches of `batchSize` into a full ring. */
export interface BatchTask {
  name: string;
  capacity: number;
  batchSize: number;
  batches: number;
  /** Characters of each item. Long items make each append copy for longer. */
  itemLength: number;
  startFlag: Int32Array;
}

/** Returns the item at `sequence`: its sequence, padded to task.itemLength characters. */
export function batchItem(task: Pick<BatchTask, 'itemLength'>, sequence: number): string {
  return `${sequence}:`.padEnd(task.itemLength, 'x');
}
