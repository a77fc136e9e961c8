import type { z } from 'zod';
import { backupsQueue } from './queues/backups.js';
import { decisionInsightsQueue } from './queues/decision-insights.js';
import { feedbackLoopQueue } from './queues/feedback-loop.js';
import { monitoringQueue } from './queues/monitoring.js';
import { questionValidationQueue } from './queues/question-validation.js';
import { retentionCleanupQueue } from './queues/retention-cleanup.js';
import { sessionGenerationQueue } from './queues/session-generation.js';

/**
 * The job registry: every queue, every job name, its payload and result schema and its default
 * options. Producers, workers, the ingress and Bull Board all read it; nothing else names queues.
 */
export const registry = {
  [questionValidationQueue.name]: questionValidationQueue,
  [sessionGenerationQueue.name]: sessionGenerationQueue,
  [feedbackLoopQueue.name]: feedbackLoopQueue,
  [decisionInsightsQueue.name]: decisionInsightsQueue,
  [retentionCleanupQueue.name]: retentionCleanupQueue,
  [backupsQueue.name]: backupsQueue,
  [monitoringQueue.name]: monitoringQueue,
} as const;

export type Registry = typeof registry;
export type QueueName = keyof Registry;
export type JobName<Q extends QueueName> = keyof Registry[Q]['jobs'] & string;
type JobOf<Q extends QueueName, J extends JobName<Q>> = Registry[Q]['jobs'][J];
export type PayloadOf<Q extends QueueName, J extends JobName<Q>> = z.input<
  JobOf<Q, J> extends { payload: infer P extends z.ZodType } ? P : never
>;
export type ResultOf<Q extends QueueName, J extends JobName<Q>> = z.output<
  JobOf<Q, J> extends { result: infer R extends z.ZodType } ? R : never
>;

export const queueNames = Object.keys(registry) as QueueName[];

export function isQueueName(name: string): name is QueueName {
  return Object.hasOwn(registry, name);
}

export function jobDefinition(queue: QueueName, job: string) {
  const jobs = registry[queue].jobs as Record<string, { payload: z.ZodType; result: z.ZodType; options: object }>;
  const def = jobs[job];
  if (!def) throw new Error(`queue ${queue} has no job named ${job}`);
  return def;
}
