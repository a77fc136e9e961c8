import type { RedisClient } from '../../pipelines/redis-connection.js';
import type { Config } from '../../core/config/config-schema.js';
import type { ReadThroughCache } from '../../db/cache/read-through-cache.js';
import type { Db } from '../../db/database.js';
import type { Logger } from '../../observability/logger.js';
import type { Producer } from '../../pipelines/producer.js';
import type { JobName, QueueName, ResultOf } from '../../pipelines/registry.js';
import type { BloomPool } from '../bloom/bloom-pool.js';
import type { z } from 'zod';
import type { Registry } from '../../pipelines/registry.js';

/** Long-lived things a processor may use; built once per process by the composition root. */
export interface WorkerServices {
  config: Config;
  db: Db;
  producer: Producer;
  /** A general-purpose Redis client (caches, shared state); not the queue connections. */
  redis: RedisClient;
  bloom: BloomPool;
  /** The read-through cache of questions, profiles and sessions: writers invalidate after they commit. */
  cache: ReadThroughCache;
  /** Injected clock, so retention windows and schedules can be tested at their edges. */
  now: () => Date;
}

export interface JobInfo {
  id: string;
  queue: QueueName;
  name: string;
  /** 1 on the first try. */
  attempt: number;
  /** When the job was first enqueued; a stable timestamp for deterministic trace times. */
  enqueuedAt: Date;
  /** The flow parent waiting for this job, if any (bulk import's chunks have one). */
  parent?: { id: string; queue: string };
}

/** What a flow parent's children left: results by child, and the children that failed for good. */
export interface ChildOutcomes {
  values: unknown[];
  failures: string[];
}

export interface ProcessorContext {
  log: Logger;
  db: Db;
  producer: Producer;
  /** Aborted when the worker shuts down or the job is cancelled: long loops should check it. */
  signal: AbortSignal;
  job: JobInfo;
  reportProgress(progress: number | Record<string, unknown>): Promise<void>;
  /** For a flow parent: its children's results (children are done by the time it runs). */
  childOutcomes(): Promise<ChildOutcomes>;
  services: WorkerServices;
}

type ParsedPayload<Q extends QueueName, J extends JobName<Q>> = z.output<
  Registry[Q]['jobs'][J] extends { payload: infer P extends z.ZodType } ? P : never
>;

export interface ProcessorEntry {
  queue: QueueName;
  job: string;
  process: (payload: any, ctx: ProcessorContext) => Promise<unknown>;
}

/** A processor gets the payload already checked against its schema, and never the BullMQ Job. */
export function defineProcessor<Q extends QueueName, J extends JobName<Q>>(
  queue: Q,
  job: J,
  process: (payload: ParsedPayload<Q, J>, ctx: ProcessorContext) => Promise<ResultOf<Q, J>>,
): ProcessorEntry {
  return { queue, job, process };
}
