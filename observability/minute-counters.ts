import type { Cluster, Redis } from 'ioredis';

/**
 * Counters per minute in Redis, shared by every process, for signals the alert engine must see
 * cluster-wide (one process's Prometheus registry sees one process). One hash per minute,
 * field → count, expiring after an hour, so memory stays bounded by minutes × fields.
 *
 * The recorder buffers in memory and writes once a second in one pipeline: a busy ingress adds one
 * Redis round trip a second, not one per request. Best effort: a flush that fails (Redis away) is
 * dropped, never retried — the rules read rates over minutes, and a lost second does not change
 * what they decide.
 */
const keepSeconds = 3600;

export class MinuteCounterRecorder {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  /** `keyOf(minute)` names the hash of one minute (epoch minutes); it carries the QUEUE_PREFIX. */
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keyOf: (minute: number) => string,
    flushEveryMs = 1_000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  add(field: string, atMs: number, by = 1): void {
    const slot = `${Math.floor(atMs / 60_000)} ${field}`;
    this.pending.set(slot, (this.pending.get(slot) ?? 0) + by);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.pipeline();
    const keys = new Set<string>();
    for (const [slot, count] of batch) {
      const space = slot.indexOf(' ');
      const key = this.keyOf(Number(slot.slice(0, space)));
      keys.add(key);
      pipeline.hincrby(key, slot.slice(space + 1), count);
    }
    for (const key of keys) pipeline.expire(key, keepSeconds);
    await pipeline.exec().catch(() => undefined);
  }

  /** Writes what is buffered and stops the timer; safe to call twice. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/** Field → count summed over the current minute and the `minutes - 1` before it. */
export async function readMinuteCounters(redis: Redis | Cluster, keyOf: (minute: number) => string, minutes: number, nowMs: number): Promise<Map<string, number>> {
  const current = Math.floor(nowMs / 60_000);
  const pipeline = redis.pipeline();
  for (let m = current - minutes + 1; m <= current; m++) pipeline.hgetall(keyOf(m));
  const sums = new Map<string, number>();
  for (const [error, hash] of (await pipeline.exec()) ?? []) {
    if (error) throw error;
    for (const [field, count] of Object.entries((hash ?? {}) as Record<string, string>)) sums.set(field, (sums.get(field) ?? 0) + Number(count));
  }
  return sums;
}
