import type { Redis } from 'ioredis';
import type { DecisionTrace } from '../../core/contracts/decision-trace.js';

/** DESIGN.md cache TTLs: decision insights 300 s. */
export const DECISION_INSIGHT_CACHE_TTL_SECONDS = 300;

/**
 * The Redis read cache of decision traces, one JSON string per decision id under
 * `<queue prefix>:cache:insight:<id>`, expiring after 300 s. Traces never change once made, so the
 * cache needs no invalidation: the decision-insights actor warms it as it writes, and a read that
 * misses fills it. On Redis Cluster the hash-tagged queue prefix keeps every key in one slot, which
 * is what lets `putMany` pipeline them.
 */
export class DecisionInsightCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = DECISION_INSIGHT_CACHE_TTL_SECONDS,
  ) {}

  key(decisionId: string): string {
    return `${this.prefix}:cache:insight:${decisionId}`;
  }

  /** The cached trace, or undefined on a miss. Throws when Redis is unreachable (callers fall back). */
  async get(decisionId: string): Promise<DecisionTrace | undefined> {
    const raw = await this.redis.get(this.key(decisionId));
    return raw === null ? undefined : (JSON.parse(raw) as DecisionTrace);
  }

  async put(trace: DecisionTrace): Promise<void> {
    await this.redis.set(this.key(trace.decisionId), JSON.stringify(trace), 'EX', this.ttlSeconds);
  }

  /** Warms many keys in one round trip; `json` is the trace as `get` should return it, serialised. */
  async putMany(entries: readonly { decisionId: string; json: string }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { decisionId, json } of entries) pipeline.set(this.key(decisionId), json, 'EX', this.ttlSeconds);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }
}
