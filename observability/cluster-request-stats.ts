import type { Cluster, Redis } from 'ioredis';
import { histogramQuantile } from '../core/alerts/histogram-quantile.js';
import { cacheLookups } from './learning-metrics.js';
import { MinuteCounterRecorder, readMinuteCounters } from './minute-counters.js';

/**
 * API request latency and status, and read-cache lookups, counted cluster-wide in Redis per
 * minute (observability/minute-counters.ts) for the alert rules on API latency, 5xx rate and cache
 * hit rate. Every ingress records; the alert evaluation reads the last minutes.
 *
 * Latency buckets include the rule thresholds (500 ms, 600 ms, 1 s) as bounds, so "p50 above
 * 500 ms" is decided exactly at the bound, as for decision writes.
 */
export const requestLatencyBucketsMs: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 600, 1000, 2500, 5000, 10000];

const requestKey = (prefix: string) => (minute: number) => `${prefix}:alerts:api-requests:${minute}`;
const cacheKey = (prefix: string) => (minute: number) => `${prefix}:alerts:cache-lookups:${minute}`;

function bucketOf(ms: number): number {
  const i = requestLatencyBucketsMs.findIndex((bound) => ms <= bound);
  return i < 0 ? requestLatencyBucketsMs.length : i;
}

/** One per process that serves the API or reads caches; `close()` on shutdown writes what is buffered. */
export class ClusterRequestStats {
  private readonly requests: MinuteCounterRecorder;
  private readonly lookups: MinuteCounterRecorder;

  constructor(redis: Redis | Cluster, prefix: string, flushEveryMs = 1_000) {
    this.requests = new MinuteCounterRecorder(redis, requestKey(prefix), flushEveryMs);
    this.lookups = new MinuteCounterRecorder(redis, cacheKey(prefix), flushEveryMs);
  }

  /** One finished /api request. */
  request(ms: number, status: number, atMs = Date.now()): void {
    this.requests.add(`b${bucketOf(ms)}`, atMs);
    if (status >= 500) this.requests.add('5xx', atMs);
  }

  /** One read-cache lookup of `family`: counted cluster-wide and in this process's registry. */
  cacheLookup(family: string, hit: boolean, atMs = Date.now()): void {
    this.lookups.add(`${hit ? 'hit' : 'miss'}:${family}`, atMs);
    cacheLookups.inc({ family, result: hit ? 'hit' : 'miss' });
  }

  async flush(): Promise<void> {
    await Promise.all([this.requests.flush(), this.lookups.flush()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.requests.close(), this.lookups.close()]);
  }
}

export interface RequestFigures {
  requests: number;
  p50Ms?: number;
  p99Ms?: number;
  errorRate?: number;
}

/** API requests over the last `minutes`: count, p50 and p99 (ms), share of 5xx; undefined figures without requests. */
export async function readRequestFigures(redis: Redis | Cluster, prefix: string, minutes: number, nowMs: number): Promise<RequestFigures> {
  const sums = await readMinuteCounters(redis, requestKey(prefix), minutes, nowMs);
  const counts = requestLatencyBucketsMs.map((_, i) => sums.get(`b${i}`) ?? 0).concat(sums.get(`b${requestLatencyBucketsMs.length}`) ?? 0);
  const requests = counts.reduce((a, b) => a + b, 0);
  if (requests === 0) return { requests };
  return {
    requests,
    p50Ms: histogramQuantile(0.5, requestLatencyBucketsMs, counts),
    p99Ms: histogramQuantile(0.99, requestLatencyBucketsMs, counts),
    errorRate: (sums.get('5xx') ?? 0) / requests,
  };
}

/** Cache lookups over the last `minutes`: hits ÷ lookups across families, and per family; undefined without lookups. */
export async function readCacheHitRates(redis: Redis | Cluster, prefix: string, minutes: number, nowMs: number) {
  const sums = await readMinuteCounters(redis, cacheKey(prefix), minutes, nowMs);
  const families = new Map<string, { hits: number; misses: number }>();
  for (const [field, n] of sums) {
    const [kind, family = ''] = field.split(':');
    const f = families.get(family) ?? { hits: 0, misses: 0 };
    if (kind === 'hit') f.hits += n;
    else f.misses += n;
    families.set(family, f);
  }
  let hits = 0;
  let lookups = 0;
  for (const f of families.values()) {
    hits += f.hits;
    lookups += f.hits + f.misses;
  }
  return { lookups, hitRate: lookups === 0 ? undefined : hits / lookups, families: Object.fromEntries(families) };
}
