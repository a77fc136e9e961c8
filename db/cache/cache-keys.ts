import { redisKeys } from '../../core/contracts/ids.js';

/**
 * THE recipe of every read-cache key: `<QUEUE_PREFIX>:cache:<family>:<id>`. The queue prefix comes
 * first so that, on Redis Cluster with a hash-tagged prefix (`{learnloop}`), every cache key lands
 * in the queues' hash slot — multi-key scripts (DecisionInsightCache.putMany) depend on that.
 * Cache readers, writers and `learnloop cache clear` all build keys here and nowhere else.
 */
export const cacheFamilies = ['insight', 'question', 'profile', 'session'] as const;
export type CacheFamily = (typeof cacheFamilies)[number];

export function isCacheFamily(value: string): value is CacheFamily {
  return (cacheFamilies as readonly string[]).includes(value);
}

export function cacheKey(prefix: string, family: CacheFamily, id: string): string {
  return redisKeys.cache(prefix, family, id);
}

/** A SCAN MATCH pattern for every key of `family` (or of every family); glob characters of the prefix are escaped. */
export function cacheKeyPattern(prefix: string, family?: CacheFamily): string {
  const literal = prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
  return redisKeys.cache(literal, family ?? '*', '*');
}
