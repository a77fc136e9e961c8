import { performance } from 'node:perf_hooks';
import type { Queue } from 'bullmq';
import type { CompletionCounter } from './completion-counter.js';
import { type CpuMeter, type CpuSnapshot, cpuDelta } from './cpu-meter.js';
import { type PgStatsProbe, type PgStatsSnapshot, pgStatsDelta } from './pg-stats.js';

export interface DrainTiming {
  /** Jobs enqueued per second by the bulk add (queue paused, so nothing competes with it). */
  addPerSecond: number;
  /** Jobs completed per second from resume to the last completion. */
  processPerSecond: number;
  /** CPU spent from resume until `settle` returned (when a meter was given). */
  cpu?: CpuSnapshot;
  /** PostgreSQL statements over the same span as `cpu` (when a probe was given: `--pg-stats`). */
  pg?: PgStatsSnapshot;
}

/**
 * "Bulk add, then process": pauses the queue, enqueues `jobs` with `add`, then resumes it and
 * times until the running workers have completed them all. Adding first keeps the producer out of
 * the processing figure, and the same procedure serves the no-op baseline and the real pipeline.
 */
export async function timedDrain(options: {
  queue: Queue;
  counter: CompletionCounter;
  jobs: number;
  add: (count: number) => Promise<void>;
  timeoutMs?: number;
  cpu?: Pick<CpuMeter, 'snapshot'>;
  pgStats?: PgStatsProbe;
  /** Work the jobs left behind (e.g. traces for another actor), waited for outside the timing but inside the CPU count. */
  settle?: () => Promise<void>;
}): Promise<DrainTiming> {
  const { queue, counter, jobs } = options;
  await queue.pause();
  const addStart = performance.now();
  await options.add(jobs);
  const addSeconds = (performance.now() - addStart) / 1000;
  counter.reset();
  const pgBefore = await options.pgStats?.snapshot();
  const cpuBefore = options.cpu?.snapshot();
  const start = performance.now();
  await queue.resume();
  await counter.waitFor(jobs, options.timeoutMs ?? 120_000);
  const seconds = (performance.now() - start) / 1000;
  await options.settle?.();
  const cpu = cpuBefore && options.cpu ? cpuDelta(cpuBefore, options.cpu.snapshot()) : undefined;
  const pg = pgBefore && options.pgStats ? pgStatsDelta(pgBefore, await options.pgStats.snapshot()) : undefined;
  return { addPerSecond: jobs / addSeconds, processPerSecond: jobs / seconds, ...(cpu ? { cpu } : {}), ...(pg ? { pg } : {}) };
}

/** `addBulk` in chunks: one huge MULTI would block Redis and skew everything else. */
export async function addInChunks<T>(count: number, chunk: number, addChunk: (from: number, to: number) => Promise<T>): Promise<void> {
  for (let from = 0; from < count; from += chunk) await addChunk(from, Math.min(count, from + chunk));
}
