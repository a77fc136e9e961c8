import type { Cluster, Redis } from 'ioredis';
import { MinuteCounterRecorder, readMinuteCounters } from './minute-counters.js';
import { redisKeys } from '../core/contracts/ids.js';

/**
 * Job outcomes counted per minute in Redis (observability/minute-counters.ts), so the alert engine
 * sees the whole cluster and not one process's registry. The worker runtime
 * (workers/runtime/run-workers.ts) records; the alert evaluation reads the last few minutes.
 * Fields are `queue|outcome`: memory stays bounded by minutes × queues × 3.
 *
 * - `completed`: a job finished; `failed`: an attempt threw (retried or not); `dead`: a job failed
 *   for good (attempts exhausted or unrecoverable) — the same events as learnloop_jobs_*_total.
 */
export type JobOutcome = 'completed' | 'failed' | 'dead';
export type OutcomeCounts = Record<JobOutcome, number>;

const minuteKey = (prefix: string) => (minute: number) => redisKeys.jobOutcomeMinute(prefix, minute);

/** Buffers counts and writes them once a second (one Redis round trip a second, not one per job). */
export class JobOutcomeRecorder {
  private readonly counters: MinuteCounterRecorder;

  constructor(redis: Redis | Cluster, prefix: string, flushEveryMs = 1_000) {
    this.counters = new MinuteCounterRecorder(redis, minuteKey(prefix), flushEveryMs);
  }

  add(queue: string, outcomes: readonly JobOutcome[], atMs: number): void {
    for (const outcome of outcomes) this.counters.add(`${queue}|${outcome}`, atMs);
  }

  flush(): Promise<void> {
    return this.counters.flush();
  }

  /** Writes what is buffered and stops the timer; safe to call twice. */
  close(): Promise<void> {
    return this.counters.close();
  }
}

/** Counts per queue over the current minute and the `minutes - 1` before it. */
export async function readJobOutcomes(redis: Redis | Cluster, prefix: string, minutes: number, nowMs: number): Promise<Map<string, OutcomeCounts>> {
  const byQueue = new Map<string, OutcomeCounts>();
  for (const [field, count] of await readMinuteCounters(redis, minuteKey(prefix), minutes, nowMs)) {
    const bar = field.lastIndexOf('|');
    const queue = field.slice(0, bar);
    const outcome = field.slice(bar + 1) as JobOutcome;
    const counts = byQueue.get(queue) ?? { completed: 0, failed: 0, dead: 0 };
    if (outcome in counts) counts[outcome] += count;
    byQueue.set(queue, counts);
  }
  return byQueue;
}
