/** Contenders and helpers shared by the add and read scenarios. */
import type {
  ContenderSpec,
  MeasureSpec,
  PlanOptions,
  ServerAddress,
  ServerKind,
} from '../harness';
import { SHAPES, isShape, type Shape } from '../items';
import { LOCAL_PEERS } from '../peers/in-process';

/** Capacity of every ring of the add and read workloads. */
export const CAPACITY = 10_000;

export const RINGCAST_BINARY: ContenderSpec = {
  id: 'ringcast-binary',
  label: 'ringcast BINARY',
  role: 'ringcast',
};

export const RINGCAST_OBJECT: ContenderSpec = {
  id: 'ringcast-object',
  label: 'ringcast OBJECT',
  role: 'ringcast',
};

/** The synchronous view `ring.blocking()` of a BINARY ring. */
export const RINGCAST_BINARY_BLOCKING: ContenderSpec = {
  id: 'ringcast-binary-blocking',
  label: 'ringcast BINARY, blocking view',
  role: 'ringcast',
};

/** The synchronous view `ring.blocking()` of an OBJECT ring. */
export const RINGCAST_OBJECT_BLOCKING: ContenderSpec = {
  id: 'ringcast-object-blocking',
  label: 'ringcast OBJECT, blocking view',
  role: 'ringcast',
};

export const LOCAL_CONTENDERS: ContenderSpec[] = Object.entries(LOCAL_PEERS).map(
  ([id, label]) => ({ id, label, role: 'peer' }),
);

export const RINGBUF_JS: ContenderSpec = {
  id: 'ringbuf.js',
  label: 'ringbuf.js (SharedArrayBuffer)',
  role: 'peer',
};

export const POST_MESSAGE: ContenderSpec = {
  id: 'postMessage',
  label: 'postMessage to a worker',
  role: 'peer',
};

export const REDIS: ContenderSpec = {
  id: 'redis',
  label: 'Redis Streams (ioredis)',
  role: 'peer',
  server: 'redis',
};

export const NATS: ContenderSpec = {
  id: 'nats',
  label: 'NATS JetStream',
  role: 'peer',
  server: 'nats',
};

/** The official client's Ringbuffer proxy, used directly against the bench's member. */
export const HAZELCAST_CLIENT: ContenderSpec = {
  id: 'hazelcast-client',
  label: 'hazelcast-client Ringbuffer',
  role: 'peer',
  server: 'hazelcast',
};

/** ringcast's cluster backend against the same member. */
export const RINGCAST_CLUSTER: ContenderSpec = {
  id: 'ringcast-cluster',
  label: 'ringcast cluster backend',
  role: 'ringcast',
  server: 'hazelcast',
};

/** Returns the shapes a run measures: all of them, or the small object alone when quick. */
export function planShapes(options: PlanOptions): Shape[] {
  return options.quick ? ['object'] : [...SHAPES];
}

/** Returns the shape a case id names; the add and read cases are named after shapes. */
export function caseShape(spec: MeasureSpec): Shape {
  const shape = spec.caseId.split(':')[0];
  if (!isShape(shape)) throw new Error(`case ${spec.caseId} names no item shape`);
  return shape;
}

/** Returns the address of a server the orchestrator started for this measurement. */
export function serverAddress(spec: MeasureSpec, kind: ServerKind): ServerAddress {
  const address = spec.servers[kind];
  if (address === undefined) throw new Error(`${kind} is not running for ${spec.contenderId}`);
  return address;
}

/** Bytes of the largest encoded item, with room for the framing of the byte peers. */
export const MAX_ITEM_BYTES = 2048;
