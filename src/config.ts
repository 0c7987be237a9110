/**
 * Ringbuffer configuration: defaults, validation, and the lookup of a ring's config by
 * exact name, `*` wildcard pattern or `default`, as Hazelcast matches ringbuffer configs.
 */
import { ErrorCode, rangeError, typeError } from './errors';
import { describe } from './validate';
import { InMemoryFormat, type ClientOptions, type RingbufferConfig } from './ring-buffer';

/** A configuration with every option set. */
export type ResolvedRingbufferConfig = Required<RingbufferConfig>;

export const DEFAULT_RINGBUFFER_CONFIG: Readonly<ResolvedRingbufferConfig> = Object.freeze({
  capacity: 10000,
  backupCount: 1,
  asyncBackupCount: 0,
  timeToLiveSeconds: 0,
  inMemoryFormat: InMemoryFormat.BINARY,
});

/** Largest capacity: the ring's sequences index a Java int array in Hazelcast. */
export const MAX_CAPACITY = 0x7fffffff;
/** Hazelcast's limit on backupCount + asyncBackupCount. */
export const MAX_BACKUP_COUNT = 6;

const OPTION_NAMES = new Set(Object.keys(DEFAULT_RINGBUFFER_CONFIG));

function checkInteger(where: string, option: string, value: unknown, min: number, max: number) {
  if (typeof value !== 'number') {
    throw typeError(
      ErrorCode.INVALID_CONFIG,
      `${where}${option}=${describe(value)} is invalid; expected an integer from ${min} to ${max}`,
    );
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw rangeError(
      ErrorCode.INVALID_CONFIG,
      `${where}${option}=${describe(value)} is out of range; expected an integer from ${min} ` +
        `to ${max}`,
    );
  }
}

/**
 * Validates one config object and returns it with defaults (or `base`) filled in.
 * `where` prefixes option names in messages, e.g. `ringbuffers["events"].`.
 */
export function resolveRingbufferConfig(
  config: unknown,
  where: string,
  base: Readonly<ResolvedRingbufferConfig> = DEFAULT_RINGBUFFER_CONFIG,
): ResolvedRingbufferConfig {
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
        `${where}${key} is not a ringbuffer option; valid options are ` +
          [...OPTION_NAMES].join(', '),
      );
    }
  }
  const resolved: ResolvedRingbufferConfig = { ...base };
  const at = (key: keyof RingbufferConfig) => options[key] !== undefined;

  if (at('capacity')) {
    checkInteger(where, 'capacity', options.capacity, 1, MAX_CAPACITY);
    resolved.capacity = options.capacity as number;
  }
  if (at('backupCount')) {
    checkInteger(where, 'backupCount', options.backupCount, 0, MAX_BACKUP_COUNT);
    resolved.backupCount = options.backupCount as number;
  }
  if (at('asyncBackupCount')) {
    checkInteger(where, 'asyncBackupCount', options.asyncBackupCount, 0, MAX_BACKUP_COUNT);
    resolved.asyncBackupCount = options.asyncBackupCount as number;
  }
  if (resolved.backupCount + resolved.asyncBackupCount > MAX_BACKUP_COUNT) {
    throw rangeError(
      ErrorCode.INVALID_CONFIG,
      `${where}backupCount=${resolved.backupCount} plus asyncBackupCount=` +
        `${resolved.asyncBackupCount} is out of range; their sum must be at most ${MAX_BACKUP_COUNT}`,
    );
  }
  if (at('timeToLiveSeconds')) {
    checkInteger(where, 'timeToLiveSeconds', options.timeToLiveSeconds, 0, MAX_CAPACITY);
    resolved.timeToLiveSeconds = options.timeToLiveSeconds as number;
  }
  if (at('inMemoryFormat')) {
    const format = options.inMemoryFormat;
    if (format !== InMemoryFormat.BINARY && format !== InMemoryFormat.OBJECT) {
      throw typeError(
        ErrorCode.INVALID_CONFIG,
        `${where}inMemoryFormat=${describe(format)} is invalid; expected "BINARY" or "OBJECT"`,
      );
    }
    resolved.inMemoryFormat = format;
  }
  return resolved;
}

/** One wildcard pattern of the client's configs, split at its `*`. */
interface Pattern<C> {
  key: string;
  prefix: string;
  suffix: string;
  config: C;
}

/**
 * Configs by exact name, `*` wildcard pattern or `default`, validated once and looked up per
 * name, as Hazelcast matches ringbuffer and topic configs. `option` is the client option
 * that holds them and `kind` the object they configure, both for messages.
 */
export class NamedConfigs<C> {
  readonly #exact = new Map<string, C>();
  readonly #patterns: Array<Pattern<C>> = [];
  readonly #kind: string;
  #fallback: C | undefined;

  constructor(
    entries: unknown,
    option: string,
    kind: string,
    resolve: (value: unknown, where: string) => C,
  ) {
    this.#kind = kind;
    if (entries === undefined) return;
    if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
      throw typeError(
        ErrorCode.INVALID_CONFIG,
        `${option}=${describe(entries)} is invalid; expected an object of configs by ${kind} name`,
      );
    }
    for (const [key, value] of Object.entries(entries)) {
      const where = `${option}[${JSON.stringify(key)}]`;
      const config = resolve(value ?? {}, `${where}.`);
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
   * most characters, else `default`, else undefined. Two patterns matching equally well
   * are an error, as in Hazelcast.
   */
  lookup(name: string): C | undefined {
    const exact = this.#exact.get(name);
    if (exact !== undefined) return exact;
    let best: Pattern<C> | undefined;
    let bestLength = -1;
    let tie: string | undefined;
    for (const pattern of this.#patterns) {
      const length = pattern.prefix.length + pattern.suffix.length;
      const fits =
        name.length >= length && name.startsWith(pattern.prefix) && name.endsWith(pattern.suffix);
      if (!fits) continue;
      if (length > bestLength) {
        best = pattern;
        bestLength = length;
        tie = undefined;
      } else if (length === bestLength) {
        tie = pattern.key;
      }
    }
    if (best !== undefined && tie !== undefined) {
      throw typeError(
        ErrorCode.INVALID_CONFIG,
        `${this.#kind} name=${JSON.stringify(name)} matches the patterns ` +
          `${JSON.stringify(best.key)} and ${JSON.stringify(tie)} equally well; ` +
          'make one of them more specific',
      );
    }
    return best?.config ?? this.#fallback;
  }
}

/** The client's ringbuffer configs (the `ringbuffers` option). */
export class ConfigRegistry extends NamedConfigs<ResolvedRingbufferConfig> {
  constructor(ringbuffers: ClientOptions['ringbuffers']) {
    super(ringbuffers, 'ringbuffers', 'ringbuffer', (value, where) =>
      resolveRingbufferConfig(value, where),
    );
  }

  /**
   * Resolves the config of ring `name`: the client's match with `config` laid over it.
   * `explicit` is false when neither exists, so an existing ring's config is adopted.
   */
  resolve(
    name: string,
    config: RingbufferConfig | undefined,
  ): { resolved: ResolvedRingbufferConfig; explicit: boolean } {
    const matched = this.lookup(name);
    const base = matched ?? DEFAULT_RINGBUFFER_CONFIG;
    const resolved =
      config === undefined ? { ...base } : resolveRingbufferConfig(config, 'config.', base);
    return { resolved, explicit: config !== undefined || matched !== undefined };
  }
}
