import type { Cluster, Redis } from 'ioredis';
import { histogramQuantile } from '../core/alerts/histogram-quantile.js';
import { redisKeys } from '../core/contracts/ids.js';

/**
 * Decision-trace write latency as a cluster-wide histogram in Redis, for the "decision-write p99
 * > 500 ms" alert: every process that writes traces adds its observations to per-minute bucket
 * counts, and the alert evaluation merges the last minutes and takes the p99 as
 * `histogram_quantile` would. (Each process's own `learnloop_decision_write_seconds` stays the
 * Prometheus view; this is the shared one.) One hash per minute, bucket → count, kept an hour.
 *
 * 500 ms is a bucket bound, so "p99 above 500 ms" is decided exactly: it holds iff more than 1% of
 * the writes took longer than 500 ms.
 */
export const decisionWriteBucketsMs: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

const keepSeconds = 3600;
const minuteKey = redisKeys.decisionWriteMinute;

function bucketOf(ms: number): number {
  const i = decisionWriteBucketsMs.findIndex((bound) => ms <= bound);
  return i < 0 ? decisionWriteBucketsMs.length : i;
}

/**
 * Records one write latency or a batch of them (ms), in one round trip. Best effort, never rejects:
 * a Redis hiccup must not fail a trace write. `prefix` is the QUEUE_PREFIX.
 */
export async function recordDecisionWriteLatency(redis: Redis | Cluster, prefix: string, ms: number | readonly number[], atMs = Date.now()): Promise<void> {
  const values = typeof ms === 'number' ? [ms] : ms;
  if (values.length === 0) return;
  const perBucket = new Map<number, number>();
  for (const v of values) {
    const bucket = bucketOf(v);
    perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
  }
  const key = minuteKey(prefix, Math.floor(atMs / 60_000));
  const pipeline = redis.pipeline();
  for (const [bucket, count] of perBucket) pipeline.hincrby(key, String(bucket), count);
  pipeline.expire(key, keepSeconds);
  await pipeline.exec().catch(() => undefined);
}

/** Writes and p99 (ms) over the current minute and the `minutes - 1` before it; p99 undefined when none. */
export async function readDecisionWriteP99(redis: Redis | Cluster, prefix: string, minutes: number, nowMs: number): Promise<{ count: number; p99Ms?: number }> {
  const current = Math.floor(nowMs / 60_000);
  const pipeline = redis.pipeline();
  for (let m = current - minutes + 1; m <= current; m++) pipeline.hgetall(minuteKey(prefix, m));
  const counts = new Array<number>(decisionWriteBucketsMs.length + 1).fill(0);
  for (const [error, hash] of (await pipeline.exec()) ?? []) {
    if (error) throw error;
    for (const [bucket, count] of Object.entries((hash ?? {}) as Record<string, string>)) {
      const i = Number(bucket);
      if (Number.isInteger(i) && i >= 0 && i < counts.length) counts[i] += Number(count);
    }
  }
  const count = counts.reduce((a, b) => a + b, 0);
  const p99Ms = histogramQuantile(0.99, decisionWriteBucketsMs, counts);
  return p99Ms === undefined ? { count } : { count, p99Ms };
}
