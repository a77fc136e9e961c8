import type { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { cacheLookups } from '../../observability/learning-metrics.js';
import { type CacheFamily, cacheKey, cacheKeyPattern } from './cache-keys.js';

/** Cache TTLs per family, in seconds (README, "Read-through cache"). */
export const cacheTtlSeconds: Record<CacheFamily, number> = { question: 3600, profile: 1800, session: 900, insight: 300 };
/** The in-process L1 holds 500 items for 300 s. */
export const l1Defaults = { max: 500, ttlMs: 300_000 };

/** Fills L2 only when no invalidation came between the reader's miss and its fill. KEYS: value, generation; ARGV: generation seen, JSON, TTL. */
const fillIfUnchanged = `
local g = redis.call('GET', KEYS[2]) or '0'
if g == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end
return 0`;

/** KEYS: (entry key, its generation key) pairs; ARGV[1]: the generations' TTL. Refuses fills in flight (fillIfUnchanged), drops the entries. */
const invalidateKeys = `
for i = 1, #KEYS, 2 do
  redis.call('INCR', KEYS[i + 1])
  redis.call('EXPIRE', KEYS[i + 1], ARGV[1])
  redis.call('DEL', KEYS[i])
end
return 0`;

type Invalidation = { family: CacheFamily; ids?: string[] };

export interface ReadThroughCacheOptions {
  redis: Redis | Cluster;
  prefix: string;
  /** Counts lookups cluster-wide (the cache-hit-rate alert); the process's Prometheus counter is always kept. */
  onLookup?: (family: CacheFamily, hit: boolean) => void;
  l1?: { max: number; ttlMs: number };
}

/**
 * The read-through cache of questions, learner profiles and sessions: an in-process L1
 * (LRU, 500 items, 300 s) in front of Redis (L2, the family's TTL), in front of Postgres.
 *
 * Invalidation, at every write path, AFTER the write committed: `invalidate(family, ids)` bumps each
 * key's generation, deletes it from Redis, drops it from this process's L1 and publishes it, so
 * every other process drops it from its L1 (`listen`).
 *
 * DANGEROUS SPOT — the stale-fill race: a reader that missed, loaded the OLD row, and fills the cache
 * after a writer invalidated would keep the old value for a whole TTL. Two guards close it:
 * - L2: the reader reads the key's generation with its miss and fills only if it is unchanged
 *   (one Lua script, atomic against the writer's INCR);
 * - L1: a local epoch per key, bumped by every invalidation this process hears of; a fill whose
 *   epoch moved during the load is dropped.
 * What remains: another process's L1 answers the old value until the published invalidation reaches
 * it (it is published before the write's job or request completes; a subscriber that lost its
 * connection clears its whole L1 when it reconnects, since it may have missed messages).
 */
export class ReadThroughCache {
  private readonly l1: LRUCache<string, { value: unknown }>;
  private readonly epochs = new Map<string, number>();
  private generation = 0;
  private subscriber?: Redis | Cluster;
  readonly channel: string;

  constructor(private readonly options: ReadThroughCacheOptions) {
    const l1 = options.l1 ?? l1Defaults;
    this.l1 = new LRUCache({ max: l1.max, ttl: l1.ttlMs });
    this.channel = `${options.prefix}:cache:invalidations`;
  }

  private key(family: CacheFamily, id: string) {
    return cacheKey(this.options.prefix, family, id);
  }

  private epochOf(key: string) {
    return `${this.generation}:${this.epochs.get(key) ?? 0}`;
  }

  private dropLocal(keys: readonly string[] | 'all', family?: CacheFamily) {
    if (keys === 'all') {
      // A whole family (or everything): every in-flight fill is void.
      this.generation++;
      if (family === undefined) this.l1.clear();
      else for (const k of [...this.l1.keys()]) if (k.startsWith(this.key(family, ''))) this.l1.delete(k);
      return;
    }
    for (const k of keys) {
      this.l1.delete(k);
      this.epochs.set(k, (this.epochs.get(k) ?? 0) + 1);
    }
    // Epochs only matter while a load is in flight; keep the map from growing without bound.
    if (this.epochs.size > 10_000) {
      this.epochs.clear();
      this.generation++;
    }
  }

  private count(family: CacheFamily, hit: boolean) {
    cacheLookups.inc({ family, result: hit ? 'hit' : 'miss' });
    this.options.onLookup?.(family, hit);
  }

  /** The value from L1, else Redis, else `load()` (filling both); undefined is never cached. Redis trouble degrades to `load()`. */
  async get<T>(family: CacheFamily, id: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const key = this.key(family, id);
    const local = this.l1.get(key);
    if (local) {
      this.count(family, true);
      return local.value as T;
    }
    const epoch = this.epochOf(key);
    const [raw, seen] = await this.options.redis.mget(key, `${key}:gen`).catch(() => [null, undefined] as const);
    if (raw !== null && raw !== undefined) {
      this.count(family, true);
      const value = JSON.parse(raw) as T;
      if (this.epochOf(key) === epoch) this.l1.set(key, { value });
      return value;
    }
    this.count(family, false);
    const value = await load();
    if (value === undefined) return undefined;
    if (seen !== undefined) {
      await this.options.redis
        .eval(fillIfUnchanged, 2, key, `${key}:gen`, seen ?? '0', JSON.stringify(value), cacheTtlSeconds[family])
        .catch(() => undefined);
    }
    if (this.epochOf(key) === epoch) this.l1.set(key, { value });
    return value;
  }

  /** After a write committed: the entries are gone from Redis and from every process's L1. */
  async invalidate(family: CacheFamily, ids: readonly string[]): Promise<void> {
    await this.invalidateMany([{ family, ids }]);
  }

  /**
   * `invalidate` for several families at once: one Redis round trip (a job that wrote several kinds
   * of rows), and one script for every key's generation bump and delete, where three commands per
   * key (INCR, EXPIRE, DEL) were most of a feedback session's Redis commands (3 × ~11 keys) and
   * ~60 µs of its Node CPU (`npm run bench:profile -- --pipeline feedback`). The keys share a slot
   * on Redis Cluster (cache-keys.ts). The notices go after the script: a process that drops its L1
   * on one must not refill it from the old value.
   */
  async invalidateMany(entries: ReadonlyArray<{ family: CacheFamily; ids: readonly string[] }>): Promise<void> {
    const keys: string[] = [];
    const notices: string[] = [];
    for (const { family, ids } of entries) {
      const unique = [...new Set(ids)];
      if (unique.length === 0) continue;
      const familyKeys = unique.map((id) => this.key(family, id));
      this.dropLocal(familyKeys);
      for (const key of familyKeys) keys.push(key, `${key}:gen`);
      notices.push(JSON.stringify({ family, ids: unique } satisfies Invalidation));
    }
    if (notices.length === 0) return;
    // The generation only has to outlive a load in flight.
    const pipeline = this.options.redis.pipeline().eval(invalidateKeys, keys.length, ...keys, 3600);
    for (const notice of notices) pipeline.publish(this.channel, notice);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  /**
   * Erasure: like invalidate, but the generation keys go too, so nothing in Redis names the ids
   * afterwards. DANGER: without its generation a fill already in flight is no longer refused; that
   * is acceptable only where every read path refuses the id from now on (an erased learner: the
   * erasure guard answers 404 before any cache read).
   */
  async forget(family: CacheFamily, ids: readonly string[]): Promise<void> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return;
    const keys = unique.map((id) => this.key(family, id));
    this.dropLocal(keys);
    const pipeline = this.options.redis.pipeline();
    for (const key of keys) pipeline.del(key, `${key}:gen`);
    pipeline.publish(this.channel, JSON.stringify({ family, ids: unique } satisfies Invalidation));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  /** Every entry of a family (or of all), everywhere: SCAN + UNLINK in Redis, and every L1. Returns the keys removed. */
  async clear(family?: CacheFamily): Promise<number> {
    this.dropLocal('all', family);
    let removed = 0;
    // SCAN walks one server: on Redis Cluster, walk every master (a cluster client has no scanStream).
    const redis = this.options.redis;
    const servers = 'nodes' in redis && typeof redis.nodes === 'function' ? (redis as Cluster).nodes('master') : [redis as Redis];
    for (const server of servers) {
      const stream = server.scanStream({ match: cacheKeyPattern(this.options.prefix, family), count: 500 });
      for await (const keys of stream as AsyncIterable<string[]>) {
        if (keys.length > 0) removed += await redis.unlink(...keys);
      }
    }
    for (const f of family ? [family] : (['question', 'profile', 'session', 'insight'] as const)) {
      await this.options.redis.publish(this.channel, JSON.stringify({ family: f } satisfies Invalidation));
    }
    return removed;
  }

  /** Hears other processes' invalidations on `subscriber` (a connection of its own, in subscriber mode from now on). */
  async listen(subscriber: Redis | Cluster): Promise<void> {
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      try {
        const { family, ids } = JSON.parse(message) as Invalidation;
        if (ids) this.dropLocal(ids.map((id) => this.key(family, id)));
        else this.dropLocal('all', family);
      } catch {
        this.dropLocal('all');
      }
    });
    // Messages published while the connection was down are lost: start over.
    subscriber.on('ready', () => this.dropLocal('all'));
    await subscriber.subscribe(this.channel);
  }

  async close(): Promise<void> {
    this.l1.clear();
    if (this.subscriber) {
      await this.subscriber.quit().catch(() => undefined);
      this.subscriber = undefined;
    }
  }
}
