import type { Cluster, Redis } from 'ioredis';
import type { DecisionTrace } from '../../core/contracts/decision-trace.js';
import type { Db } from '../database.js';
import { listDecisionIdsOfLearner } from '../queries/decision-insights.js';
import { cacheKey } from './cache-keys.js';

/** Decision insights are cached for 300 s (README, "Read-through cache"). */
export const DECISION_INSIGHT_CACHE_TTL_SECONDS = 300;

/**
 * The Redis read cache of decision traces, one JSON string per decision id under
 * `<queue prefix>:cache:insight:<id>` (db/cache/cache-keys.ts), expiring after 300 s. Traces never change once made, so the
 * cache needs no invalidation: the decision-insights actor warms it as it writes (each job's newest
 * decision per learner, and traces without a learner: worthWarming in the trace writer), and a read that
 * misses fills it.
 */
export class DecisionInsightCache {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly ttlSeconds = DECISION_INSIGHT_CACHE_TTL_SECONDS,
  ) {}

  key(decisionId: string): string {
    return cacheKey(this.prefix, 'insight', decisionId);
  }

  /** The cached trace, or undefined on a miss. Throws when Redis is unreachable (callers fall back). */
  async get(decisionId: string): Promise<DecisionTrace | undefined> {
    const raw = await this.redis.get(this.key(decisionId));
    return raw === null ? undefined : (JSON.parse(raw) as DecisionTrace);
  }

  async put(trace: DecisionTrace): Promise<void> {
    await this.redis.set(this.key(trace.decisionId), JSON.stringify(trace), 'EX', this.ttlSeconds);
  }

  /**
   * Warms many keys with ONE command (a Lua loop of SET … EX): a third of the client CPU of a
   * pipeline of SETs, which matters at tens of thousands of traces a second. `json` is the trace
   * as `get` should return it, serialised. On Redis Cluster a script's keys must share a slot:
   * the hash-tagged queue prefix guarantees it.
   */
  async putMany(entries: readonly { decisionId: string; json: string }[]): Promise<void> {
    if (entries.length === 0) return;
    const keys = entries.map((e) => this.key(e.decisionId));
    await this.redis.eval(PUT_MANY_LUA, keys.length, ...keys, this.ttlSeconds, ...entries.map((e) => e.json));
  }

  /** Removes these traces from the cache; returns how many were there. */
  async forget(decisionIds: readonly string[]): Promise<number> {
    if (decisionIds.length === 0) return 0;
    return this.redis.del(...decisionIds.map((id) => this.key(id)));
  }
}

/**
 * GDPR erasure: drops every cached trace of the learner, so GET /api/insights/:decisionId (whose
 * cache hits never touch Postgres) stops answering for them at once rather than within 300 s.
 * Call it after marking the learner erased (the writer stores and warms no trace of an erased
 * learner from then on). Returns how many keys it removed.
 */
export async function evictLearnerInsights(db: Db, cache: DecisionInsightCache, userId: string): Promise<number> {
  const ids = await listDecisionIdsOfLearner(db, userId);
  let removed = 0;
  for (let i = 0; i < ids.length; i += 500) removed += await cache.forget(ids.slice(i, i + 500));
  return removed;
}

/** KEYS: cache keys; ARGV[1]: TTL in seconds; ARGV[i + 1]: the value of KEYS[i]. */
const PUT_MANY_LUA = `for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[i + 1], 'EX', ARGV[1]) end return #KEYS`;
