/**
 * ReliableTopic configuration: defaults, validation, and the lookup of a topic's config by
 * exact name, `*` wildcard pattern or `default`, as Hazelcast matches topic configs.
 */
import { ConfigConflictError, ErrorCode, rangeError, typeError } from '../errors';
import { NamedConfigs } from '../config';
import { describe } from '../validate';
import { TopicOverloadPolicy, type ReliableTopicConfig } from './reliable-topic';

/** A topic configuration with every option set. */
export type ResolvedReliableTopicConfig = Required<ReliableTopicConfig>;

export const DEFAULT_RELIABLE_TOPIC_CONFIG: Readonly<ResolvedReliableTopicConfig> = Object.freeze({
  readBatchSize: 10,
  topicOverloadPolicy: TopicOverloadPolicy.BLOCK,
});

/** Largest readBatchSize, Hazelcast's int limit. A read requests at most the capacity. */
const MAX_READ_BATCH_SIZE = 0x7fffffff;
const OPTION_NAMES = new Set(Object.keys(DEFAULT_RELIABLE_TOPIC_CONFIG));
const POLICIES = new Set<unknown>(Object.values(TopicOverloadPolicy));

/**
 * Validates one topic config object and returns it with defaults (or `base`) filled in.
 * `where` prefixes option names in messages, e.g. `reliableTopics["news"].`.
 */
export function resolveReliableTopicConfig(
  config: unknown,
  where: string,
  base: Readonly<ResolvedReliableTopicConfig> = DEFAULT_RELIABLE_TOPIC_CONFIG,
): ResolvedReliableTopicConfig {
  if (config === undefined) return { ...base };
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw typeError(
      ErrorCode.INVALID_CONFIG,
      `${where || 'config'}=${describe(config)} is invalid; expected a plain object of options`,
    );
  }
  const options = config as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) {
      throw typeError(
        ErrorCode.INVALID_CONFIG,
        `${where}${key} is not a reliable topic option; valid options are ` +
          [...OPTION_NAMES].join(', '),
      );
    }
  }
  const resolved: ResolvedReliableTopicConfig = { ...base };

  const batchSize = options.readBatchSize;
  if (batchSize !== undefined) {
    const expected = `expected an integer from 1 to ${MAX_READ_BATCH_SIZE}`;
    if (typeof batchSize !== 'number') {
      throw typeError(
        ErrorCode.INVALID_CONFIG,
        `${where}readBatchSize=${describe(batchSize)} is invalid; ${expected}`,
      );
    }
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_READ_BATCH_SIZE) {
      throw rangeError(
        ErrorCode.INVALID_CONFIG,
        `${where}readBatchSize=${describe(batchSize)} is out of range; ${expected}`,
      );
    }
    resolved.readBatchSize = batchSize;
  }

  const policy = options.topicOverloadPolicy;
  if (policy !== undefined) {
    if (!POLICIES.has(policy)) {
      throw typeError(
        ErrorCode.INVALID_CONFIG,
        `${where}topicOverloadPolicy=${describe(policy)} is invalid; expected one of ` +
          [...POLICIES].map((name) => JSON.stringify(name)).join(', '),
      );
    }
    resolved.topicOverloadPolicy = policy as TopicOverloadPolicy;
  }
  return resolved;
}

/** The client's topic configs (the `reliableTopics` option). */
export class TopicConfigRegistry extends NamedConfigs<ResolvedReliableTopicConfig> {
  constructor(reliableTopics: unknown) {
    super(reliableTopics, 'reliableTopics', 'reliable topic', (value, where) =>
      resolveReliableTopicConfig(value, where),
    );
  }

  /** Returns the config for `name` as NamedConfigs.lookup does, else the defaults. */
  override lookup(name: string): Readonly<ResolvedReliableTopicConfig> {
    return super.lookup(name) ?? DEFAULT_RELIABLE_TOPIC_CONFIG;
  }

  /**
   * Resolves the config of a getReliableTopic request: `config` over the config matching
   * `name`. When `topics` has a topic of that name, returns that topic instead.
   * @throws ConfigConflictError when an explicit `config` differs from the open topic's.
   */
  request<Topic extends { readonly config: Readonly<ResolvedReliableTopicConfig> }>(
    name: string,
    config: ReliableTopicConfig | undefined,
    topics: ReadonlyMap<string, Topic>,
  ): { open: Topic } | { resolved: Readonly<ResolvedReliableTopicConfig> } {
    const matched = this.lookup(name);
    const resolved =
      config === undefined ? matched : resolveReliableTopicConfig(config, 'config.', matched);
    const open = topics.get(name);
    if (open === undefined) return { resolved };
    const conflict =
      config === undefined ? undefined : findTopicConfigConflict(open.config, resolved);
    if (conflict !== undefined) throw new ConfigConflictError(name, ...conflict, 'reliable topic');
    return { open };
  }
}

/** Names the option that differs between an existing topic's config and a requested one. */
export function findTopicConfigConflict(
  existing: Readonly<ResolvedReliableTopicConfig>,
  requested: Readonly<ResolvedReliableTopicConfig>,
): [string, unknown, unknown] | undefined {
  for (const option of ['readBatchSize', 'topicOverloadPolicy'] as const) {
    if (existing[option] !== requested[option]) {
      return [option, existing[option], requested[option]];
    }
  }
  return undefined;
}
