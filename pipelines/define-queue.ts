import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';

/** One job name of a queue: its payload and result contracts, and its retry policy as data. */
export interface JobDefinition<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  payload: P;
  result: R;
  options: JobsOptions;
}

export interface QueueDefinition<Jobs extends Record<string, JobDefinition> = Record<string, JobDefinition>> {
  name: string;
  jobs: Jobs;
}

export function defineJob<P extends z.ZodType, R extends z.ZodType>(job: JobDefinition<P, R>): JobDefinition<P, R> {
  return job;
}

export function defineQueue<const N extends string, Jobs extends Record<string, JobDefinition>>(
  name: N,
  jobs: Jobs,
): { name: N; jobs: Jobs } {
  return { name, jobs };
}
