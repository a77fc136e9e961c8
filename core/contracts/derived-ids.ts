import { createHash } from 'node:crypto';

/**
 * Ids derived from the job that creates the thing (session, plan, decision): a retried job derives
 * the same id, so its upserts and traces land on what the first attempt wrote.
 */
export function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24)}`;
}

/**
 * For jobs enqueued before their payload carried its id (sessionId, planId): derived from the job
 * AND its learner and enqueue time, never from the job id alone — BullMQ's counter restarts with a
 * fresh Redis or prefix, and a bare `derivedId('s', job.id)` then named another learner's session.
 */
export function legacyDerivedId(prefix: string, job: { id: string; enqueuedAt: Date }, userId: string): string {
  return derivedId(prefix, job.id, userId, String(job.enqueuedAt.getTime()));
}
