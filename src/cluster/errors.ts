/** Translation of hazelcast-client errors into ringcast's error classes and codes. */
import {
  ClientNotActiveError as HazelcastClientNotActiveError,
  ClientOfflineError,
  DistributedObjectDestroyedError as HazelcastDestroyedError,
  HazelcastInstanceNotActiveError,
  IllegalArgumentError,
  StaleSequenceError as HazelcastStaleSequenceError,
} from 'hazelcast-client';

import {
  ClientNotActiveError,
  DistributedObjectDestroyedError,
  ErrorCode,
  RingcastError,
  StaleSequenceError,
  rangeError,
} from '../errors';

/** An error of the cluster or of the connection to it, with the client's error as `cause`. */
export class ClusterError extends RingcastError {
  constructor(operation: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCode.CLUSTER_ERROR, `${operation} failed on the cluster: ${reason}`, { cause });
    this.name = 'ClusterError';
  }
}

/** The context a translation needs: which ring and call, and the client's state. */
export interface ErrorContext {
  name: string;
  operation: string;
  /** Whether ringcast's client was shut down, so a lost connection means ClientNotActive. */
  shutDown: boolean;
  /** The sequence a readOne asked for, named in a stale-sequence error. */
  sequence?: number;
}

/**
 * Reads the head sequence out of a member's stale-sequence message, which Hazelcast 5.x
 * words "... The current headSequence is:5 tailSequence is:9"; -1 when it is not there.
 */
export function headFromStaleMessage(message: string): number {
  const match = /headSequence is:\s*(\d+)/.exec(message);
  return match === null ? -1 : Number(match[1]);
}

/** Converts an error from hazelcast-client into the error ringcast raises for it. */
export function translateError(error: unknown, context: ErrorContext): Error {
  if (error instanceof RingcastError) return error;
  if (context.shutDown) return new ClientNotActiveError();
  if (
    error instanceof HazelcastClientNotActiveError ||
    error instanceof HazelcastInstanceNotActiveError ||
    error instanceof ClientOfflineError
  ) {
    return new ClusterError(context.operation, error);
  }
  if (error instanceof HazelcastDestroyedError) {
    return new DistributedObjectDestroyedError(context.name);
  }
  if (error instanceof HazelcastStaleSequenceError) {
    return new StaleSequenceError(context.sequence ?? -1, headFromStaleMessage(error.message));
  }
  if (error instanceof IllegalArgumentError) {
    return Object.assign(
      rangeError(ErrorCode.INVALID_ARGUMENT, `${context.operation}: ${error.message}`),
      { cause: error },
    );
  }
  return new ClusterError(context.operation, error);
}
