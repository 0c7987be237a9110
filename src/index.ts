export { createClient } from './client';
export { OverflowPolicy, InMemoryFormat } from './ring-buffer';
export { TopicOverloadPolicy } from './topic/reliable-topic';
export type {
  Message,
  MessageListener,
  ReliableMessageListener,
  ReliableTopic,
  ReliableTopicConfig,
} from './topic/reliable-topic';
export type {
  BlockingRingbuffer,
  Client,
  ClientOptions,
  ReadFilter,
  ReadOptions,
  ReadResultSet,
  Ringbuffer,
  RingbufferConfig,
} from './ring-buffer';
export type { ClusterOptions } from './cluster/options';
export { ClusterError } from './cluster/errors';
export {
  AbortError,
  ClientNotActiveError,
  ConfigConflictError,
  DistributedObjectDestroyedError,
  ErrorCode,
  ListenerRemovedError,
  RingcastError,
  StaleSequenceError,
  TimeoutError,
  TopicOverloadError,
  WouldBlockForeverError,
  WrongThreadError,
} from './errors';
