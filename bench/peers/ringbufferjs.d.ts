/** Types of the parts of ringbufferjs 2.0 that the bench uses (the package ships none). */
declare module 'ringbufferjs' {
  class RingBuffer<T> {
    constructor(capacity?: number, evictedCb?: (element: T) => void);
    capacity(): number;
    size(): number;
    enq(element: T): number;
    deq(): T;
    peekN(count: number): T[];
  }
  export = RingBuffer;
}
