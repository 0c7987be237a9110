export { createClient } from './client';
export { OverflowPolicy, InMemoryFormat } from './ring-buffer';
export type {
  Client,
  ClientOptions,
  ReadFilter,
  ReadOptions,
  ReadResultSet,
  Ringbuffer,
  RingbufferConfig,
} from './ring-buffer';
export {
  AbortError,
  ClientNotActiveError,
  ConfigConflictError,
  DistributedObjectDestroyedError,
  ErrorCode,
  RingcastError,
  StaleSequenceError,
  WrongThreadError,
} from './errors';
