/** The `cluster` client option and its translation into a hazelcast-client configuration. */
import type { ClientConfig } from 'hazelcast-client';

import { ErrorCode, rangeError, typeError } from '../errors';
import { describe } from '../validate';

/** Where the cluster is and how long to try to reach it. */
export interface ClusterOptions {
  /** The cluster's name, as the members configure it. Default `dev` (Hazelcast's default). */
  clusterName?: string;
  /** Member addresses, `host:port`, at least one. */
  members: string[];
  /**
   * Milliseconds createClient keeps trying to reach a member before it rejects, and the
   * client keeps trying to reconnect after losing the cluster. Default 30000.
   */
  connectTimeoutMs?: number;
}

const OPTION_NAMES = new Set(['clusterName', 'members', 'connectTimeoutMs']);
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

function invalid(message: string): never {
  throw typeError(ErrorCode.INVALID_CONFIG, message);
}

/**
 * Validates the `cluster` option and returns the official client's configuration for it.
 * The client logs nothing, as ringcast itself.
 */
export function toHazelcastConfig(options: unknown): ClientConfig {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    invalid(`cluster=${describe(options)} is invalid; expected an object such as { members }`);
  }
  const cluster = options as Record<string, unknown>;
  for (const key of Object.keys(cluster)) {
    if (!OPTION_NAMES.has(key)) {
      invalid(
        `cluster.${key} is not a cluster option; valid options are ${[...OPTION_NAMES].join(', ')}`,
      );
    }
  }
  const { clusterName = 'dev', members, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS } = cluster;
  if (typeof clusterName !== 'string' || clusterName.length === 0) {
    invalid(`cluster.clusterName=${describe(clusterName)} is invalid; expected a non-empty string`);
  }
  if (!Array.isArray(members) || members.length === 0) {
    invalid(
      `cluster.members=${describe(members)} is invalid; expected a non-empty array of ` +
        '"host:port" strings',
    );
  }
  members.forEach((member, i) => {
    if (typeof member !== 'string' || !/^[^\s:]+(:\d{1,5})?$/.test(member)) {
      invalid(`cluster.members[${i}]=${describe(member)} is invalid; expected "host:port"`);
    }
  });
  if (typeof connectTimeoutMs !== 'number' || !Number.isSafeInteger(connectTimeoutMs)) {
    invalid(
      `cluster.connectTimeoutMs=${describe(connectTimeoutMs)} is invalid; expected an integer`,
    );
  }
  if (connectTimeoutMs < 0) {
    throw rangeError(
      ErrorCode.INVALID_CONFIG,
      `cluster.connectTimeoutMs=${connectTimeoutMs} is out of range; expected an integer >= 0`,
    );
  }
  return {
    clusterName,
    network: { clusterMembers: [...(members as string[])] },
    connectionStrategy: {
      connectionRetry: { clusterConnectTimeoutMillis: connectTimeoutMs },
    },
    properties: { 'hazelcast.logging.level': 'OFF' },
  };
}
