import { createHash } from 'node:crypto';
import { idPattern } from './identifiers.js';

/**
 * THE home of every id recipe (convention 11): BullMQ job ids, decision ids and the Redis key
 * families, in the spirit of BullMQ's own `QueueKeys`. Each recipe is built only from parts that
 * follow the id grammar of identifiers.ts (or digits and hex), and every job id and decision id is
 * checked against that grammar here, so a recipe that would break it fails loudly at its source
 * instead of as a 500 from BullMQ (':' in a job id) or a trace dropped by validation.
 */

/** Job and decision ids: the id grammar, longer (they join several ids). */
export const compositeIdMaxLength = 200;

export class IdGrammarError extends Error {}

function checked(kind: string, id: string): string {
  if (id.length > compositeIdMaxLength || !idPattern.test(id)) {
    throw new IdGrammarError(`${kind} id ${JSON.stringify(id.slice(0, 80))} breaks the id grammar`);
  }
  return id;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A short, grammar-safe digest of any text (answers, a legacy job id): 20 hex characters. */
export const digestOf = (text: string) => sha(text).slice(0, 20);

/** BullMQ job ids of the jobs the ingress and the workers enqueue, by job. */
export const jobIds = {
  /** Same content → same job: a client re-sending a question gets the same job back. */
  validate: (questionId: string, contentHash: string) => checked('job', `validate-${questionId}-${contentHash.slice(0, 16)}`),
  importBatch: (importId: string) => checked('job', `import-${importId}`),
  importChunk: (importId: string, chunkIndex: number) => checked('job', `import-${importId}-${chunkIndex}`),
  // The learner is part of the job id: a caller re-using another learner's session id must get a
  // job of its own (refused by its owner check), not the other learner's finished job and result.
  generate: (userId: string, sessionId: string) => checked('job', `generate-${sessionId}-${digestOf(userId).slice(0, 16)}`),
  learningPlan: (userId: string, planId: string) => checked('job', `plan-${planId}-${digestOf(userId).slice(0, 16)}`),
  /** The same answers handed in twice map to the same job (and the same application key). */
  results: (sessionId: string, answers: unknown) => checked('job', `results-${sessionId}-${digestOf(JSON.stringify(answers))}`),
  /** Answers handed in during a session: the same answers after the same number of earlier ones. */
  answers: (sessionId: string, answers: unknown, answeredBefore: number) =>
    checked('job', `answers-${sessionId}-${digestOf(JSON.stringify(answers))}-${answeredBefore}`),
  trace: (decisionId: string) => checked('job', `trace-${decisionId}`),
  // A digest, not the id: job ids end up in event streams, logs and download URLs, and a learner id
  // may be an e-mail address that erasure must not leave behind.
  gdprExport: (userId: string, at: Date) => checked('job', `export-${digestOf(userId).slice(0, 16)}-${at.getTime()}`),
  gdprErase: (userId: string, erasedAt: Date) => checked('job', `erase-${digestOf(userId).slice(0, 16)}-${erasedAt.getTime()}`),
  manualBackup: (at: Date) => checked('job', `backup-manual-${at.getTime()}`),
  verifyBackup: (backupId: string, at: Date) => checked('job', `verify-${backupId}-${at.getTime()}`),
};

/** Decision ids of the traces each actor writes. Deterministic per decision: a retry re-sends the same. */
export const decisionIds = {
  validation: (questionId: string, contentHash: string, modelVersion: string) =>
    checked('decision', `validation-${questionId}-${contentHash.slice(0, 12)}-${modelVersion.replace(/[^A-Za-z0-9_.@-]/g, '_')}`.slice(0, compositeIdMaxLength)),
  session: (sessionId: string) => checked('decision', `session-${sessionId}`),
  plan: (planId: string) => checked('decision', `plan-${planId}`),
  /** `applicationKey` is the results job's key (jobIds.results), or a digest of a legacy job id. */
  feedbackRule: (applicationKey: string, index: number, rule: string) =>
    checked('decision', `rule-${safePart(applicationKey, 120)}-${index}-${safePart(rule, 40)}`),
};

/** A part that may hold other characters (a rule name, a legacy job id): kept if it fits, else digested. */
function safePart(part: string, max: number): string {
  return part.length <= max && idPattern.test(part) ? part : digestOf(part);
}

/** Redis key families outside BullMQ's own, all under the queue prefix. */
export const redisKeys = {
  rateLimit: (prefix: string) => `${prefix}:ratelimit:`,
  importProgress: (prefix: string, importId: string) => `${prefix}:import-progress:${importId}`,
  webhookRate: (prefix: string) => `${prefix}:alerts:webhook-rate`,
  alertEvaluationLock: (prefix: string) => `${prefix}:alerts:evaluation-lock`,
  decisionWriteMinute: (prefix: string, minute: number) => `${prefix}:alerts:decision-write-ms:${minute}`,
  jobOutcomeMinute: (prefix: string, minute: number) => `${prefix}:alerts:job-outcomes:${minute}`,
  /** Read-cache entries (db/cache/cache-keys.ts names the families and builds SCAN patterns). */
  cache: (prefix: string, family: string, id: string) => `${prefix}:cache:${family}:${id}`,
};

/**
 * For generate / learning-plan jobs enqueued before their payload carried its id (sessionId,
 * planId): derived from the job AND its learner and enqueue time, never from the job id alone —
 * BullMQ's counter restarts with a fresh Redis or prefix, and an id from the job id alone then
 * named another learner's session. A retried job derives the same id.
 */
export function legacyDerivedId(prefix: string, job: { id: string; enqueuedAt: Date }, userId: string): string {
  return `${prefix}_${sha([job.id, userId, String(job.enqueuedAt.getTime())].join('\u0000')).slice(0, 24)}`;
}
