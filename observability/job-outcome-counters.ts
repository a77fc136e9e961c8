import type { Cluster, Redis } from 'ioredis';

/**
 * Job outcomes counted per minute in Redis, so the alert engine sees the whole cluster and not one
 * process's registry. The worker runtime (workers/runtime/run-workers.ts) records; the alert
 * evaluation reads the last few minutes. One hash per minute, `queue|outcome` → count, expiring
 * after an hour: memory stays bounded by minutes × queues × 3.
 *
 * - `completed`: a job finished; `failed`: an attempt threw (retried or not); `dead`: a job failed
 *   for good (attempts exhausted or unrecoverable) — the same events as learnloop_jobs_*_total.
 */
export type JobOutcome = 'completed' | 'failed' | 'dead';
export type OutcomeCounts = Record<JobOutcome, number>;

const keepSeconds = 3600;
const minuteKey = (prefix: string, minute: number) => `${prefix}:alerts:job-outcomes:${minute}`;

/**
 * Buffers counts in memory and writes them once a second in one pipeline, so a busy worker adds
 * one Redis round trip a second, not one per job. Best effort: a flush that fails (Redis away) is
 * dropped, never retried or queued — the alert rules read rates, and losing a second of counts
 * while Redis is down does not change what they decide.
 */
export class JobOutcomeRecorder {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    flushEveryMs = 1_000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  add(queue: string, outcomes: readonly JobOutcome[], atMs: number): void {
    const minute = Math.floor(atMs / 60_000);
    for (const outcome of outcomes) {
      const slot = `${minute} ${queue}|${outcome}`;
      this.pending.set(slot, (this.pending.get(slot) ?? 0) + 1);
    }
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.pipeline();
    const keys = new Set<string>();
    for (const [slot, count] of batch) {
      const space = slot.indexOf(' ');
      const key = minuteKey(this.prefix, Number(slot.slice(0, space)));
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

/** Counts per queue over the current minute and the `minutes - 1` before it. */
export async function readJobOutcomes(redis: Redis | Cluster, prefix: string, minutes: number, nowMs: number): Promise<Map<string, OutcomeCounts>> {
  const current = Math.floor(nowMs / 60_000);
  const pipeline = redis.pipeline();
  for (let m = current - minutes + 1; m <= current; m++) pipeline.hgetall(minuteKey(prefix, m));
  const replies = (await pipeline.exec()) ?? [];
  const byQueue = new Map<string, OutcomeCounts>();
  for (const [error, hash] of replies) {
    if (error) throw error;
    for (const [field, count] of Object.entries((hash ?? {}) as Record<string, string>)) {
      const bar = field.lastIndexOf('|');
      const queue = field.slice(0, bar);
      const outcome = field.slice(bar + 1) as JobOutcome;
      const counts = byQueue.get(queue) ?? { completed: 0, failed: 0, dead: 0 };
      if (outcome in counts) counts[outcome] += Number(count);
      byQueue.set(queue, counts);
    }
  }
  return byQueue;
}
