/**
 * ReliableTopic configuration: defaults, validation, and the lookup of a topic's config by
 * exact name, `*` wildcard pattern or `default`, as Hazelcast matches topic configs.
 */
import { ErrorCode, rangeError, typeError } from '../errors';
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

/** One wildcard pattern of the client's topic configs. */
interface Pattern {
  key: string;
  prefix: string;
  suffix: string;
  config: ResolvedReliableTopicConfig;
}

/**
 * The client's topic configs, validated once, looked up per topic name.
 * NOTE: the matching repeats ConfigRegistry's for ringbuffers (src/config.ts); the two
 * must change together until they share one matcher.
 */
export class TopicConfigRegistry {
  readonly #exact = new Map<string, ResolvedReliableTopicConfig>();
  readonly #patterns: Pattern[] = [];
  #fallback: ResolvedReliableTopicConfig | undefined;

  constructor(reliableTopics: unknown) {
    if (reliableTopics === undefined) return;
    if (
      reliableTopics === null ||
      typeof reliableTopics !== 'object' ||
      Array.isArray(reliableTopics)
    ) {
      throw typeError(
        ErrorCode.INVALID_CONFIG,
        `reliableTopics=${describe(reliableTopics)} is invalid; ` +
          'expected an object of configs by topic name',
      );
    }
    for (const [key, value] of Object.entries(reliableTopics)) {
      const where = `reliableTopics[${JSON.stringify(key)}]`;
      const config = resolveReliableTopicConfig(value ?? {}, `${where}.`);
      if (key === 'default') {
        this.#fallback = config;
        continue;
      }
      const star = key.indexOf('*');
      if (star === -1) {
        this.#exact.set(key, config);
      } else if (key.indexOf('*', star + 1) !== -1) {
        throw typeError(
          ErrorCode.INVALID_CONFIG,
          `${where} is an invalid pattern; use at most one "*"`,
        );
      } else {
        const prefix = key.slice(0, star);
        this.#patterns.push({ key, prefix, suffix: key.slice(star + 1), config });
      }
    }
  }

  /**
   * Returns the config for `name`: the exact entry, else the wildcard pattern matching the
   * most characters, else `default`, else the defaults. Two patterns matching equally well
   * are an error, as in Hazelcast.
   */
  lookup(name: string): Readonly<ResolvedReliableTopicConfig> {
    const exact = this.#exact.get(name);
    if (exact) return exact;
    let best: Pattern | undefined;
    let tie: Pattern | undefined;
    for (const pattern of this.#patterns) {
      const fits =
        name.length >= pattern.prefix.length + pattern.suffix.length &&
        name.startsWith(pattern.prefix) &&
        name.endsWith(pattern.suffix);
      if (!fits) continue;
      const length = pattern.prefix.length + pattern.suffix.length;
      const bestLength = best === undefined ? -1 : best.prefix.length + best.suffix.length;
      if (length > bestLength) {
        best = pattern;
        tie = undefined;
      } else if (length === bestLength) {
        tie = pattern;
      }
    }
    if (best && tie) {
      throw typeError(
        ErrorCode.INVALID_CONFIG,
        `reliable topic name=${JSON.stringify(name)} matches the patterns ` +
          `${JSON.stringify(best.key)} and ${JSON.stringify(tie.key)} equally well; ` +
          'make one of them more specific',
      );
    }
    return best?.config ?? this.#fallback ?? DEFAULT_RELIABLE_TOPIC_CONFIG;
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
