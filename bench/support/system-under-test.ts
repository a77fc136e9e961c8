import type { Queue } from 'bullmq';
import { type System, type SystemRoles, startSystem } from '../../app/system.js';
import type { Config } from '../../core/config/config-schema.js';
import { createLogger } from '../../observability/logger.js';
import { type QueueName, registry } from '../../pipelines/registry.js';
import { processors } from '../../workers/processors/index.js';
import type { BenchEnv } from '../bench-env.js';
import { MissingDependencyError } from '../benchmark.js';

export interface BenchSystem {
  system: System;
  config: Config;
  databaseUrl: string;
  prefix: string;
}

/** Job names of `queue` that have no processor yet (empty when its workers can start). */
export function jobsWithoutProcessor(queue: QueueName): string[] {
  return Object.keys(registry[queue].jobs).filter((job) => !processors.some((p) => p.queue === queue && p.job === job));
}

/** Throws MissingDependencyError naming the first queue whose processors have not landed. */
export function requireProcessors(queue: QueueName, whose: string): void {
  const missing = jobsWithoutProcessor(queue);
  if (missing.length > 0) {
    throw new MissingDependencyError(
      `no processor yet for ${missing.map((j) => `${queue}/${j}`).join(', ')} (${whose}); add it to workers/processors/index.ts`,
    );
  }
}

/**
 * The real system (app/system.ts startSystem) on a fresh database and queue prefix, with the
 * roles asked for, configured as production would be except for logging (`error`) and loopback HTTP.
 */
export async function startBenchSystem(
  env: BenchEnv,
  label: string,
  roles: SystemRoles,
  overrides: Record<string, string> = {},
): Promise<BenchSystem> {
  const databaseUrl = await env.freshDatabase(label);
  const prefix = env.freshPrefix(label);
  const config = env.config({ QUEUE_PREFIX: prefix, ...overrides });
  const system = await startSystem({
    config,
    redisUrl: env.redisUrl,
    databaseUrl,
    roles,
    logger: createLogger(config.LOG_LEVEL, { role: `bench-${label}` }),
  });
  return { system, config, databaseUrl, prefix };
}

/** Worker instances of `queue` in a running system. */
export function workersOf(system: System, queue: QueueName) {
  return (system.workers?.workers ?? []).filter((w) => w.name === queue);
}

/** Waits until a queue has nothing waiting, delayed or running, e.g. traces left by a run. */
export async function waitUntilIdle(queue: Queue, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const left = Object.values(counts).reduce((a, b) => a + b, 0);
    if (left === 0) return;
    if (Date.now() > deadline) throw new Error(`${queue.name} still has ${left} jobs after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
