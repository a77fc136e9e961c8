import { Job } from 'bullmq';
import { redisKeys } from '../../../core/contracts/ids.js';
import { type RowError, questionContentHash, questionIdFor } from '../../../core/contracts/question-contracts.js';
import { findStoredValidations, storeValidations } from '../../../db/queries/questions.js';
import { observeValidations } from '../../../observability/learning-metrics.js';
import { isQueueName } from '../../../pipelines/registry.js';
import { type ProcessorContext, defineProcessor } from '../../runtime/processor.js';
import { RefusedRow, isDataError, writeIsolatingRefused } from '../../runtime/per-services.js';
import { sendTraces } from '../../runtime/send-trace.js';
import { type ScoredQuestion, validationEvent, validationTrace } from './validation-records.js';

/**
 * question-validation/validate-chunk: one chunk of a bulk import. Questions already stored with
 * the same content and model version are counted, not scored again; the rest are scored in one
 * thread hop and stored in one statement.
 */
export const validateChunkProcessor = defineProcessor('question-validation', 'validate-chunk', async (payload, ctx) => {
  const modelVersion = ctx.services.bloom.modelVersion;
  const rows = payload.questions.map((question, i) => {
    const contentHash = questionContentHash(question);
    return { index: payload.indices[i] ?? i, question, contentHash, id: questionIdFor(question, contentHash) };
  });
  const stored = await findStoredValidations(ctx.db, rows, modelVersion);
  const levelOf = new Map(stored.map((v) => [`${v.question_id}\u0000${v.content_hash}`, v]));

  const byLevel: Record<string, number> = {};
  let passed = 0;
  let failed = 0;
  const count = (level: string, ok: boolean) => {
    byLevel[level] = (byLevel[level] ?? 0) + 1;
    if (ok) passed += 1;
    else failed += 1;
  };

  const toScore = rows.filter((r) => {
    const known = levelOf.get(`${r.id}\u0000${r.contentHash}`);
    if (known) count(known.level, known.passed);
    return !known;
  });
  const scores = toScore.length ? await ctx.services.bloom.scoreMany(toScore.map((r) => r.question)) : [];

  const errors: RowError[] = [];
  const toStore: (ScoredQuestion & { index: number })[] = [];
  scores.forEach((score, i) => {
    const row = toScore[i]!;
    if (score instanceof Error) errors.push({ index: row.index, message: score.message.slice(0, 500) });
    else toStore.push({ id: row.id, contentHash: row.contentHash, input: row.question, score, index: row.index });
  });
  const saved = await storeRows(ctx, toStore, errors);
  for (const q of saved) count(q.score.level, q.score.passed);
  await ctx.services.cache.invalidate('question', saved.map((q) => q.id));
  observeValidations(saved.map((q) => q.score));
  await sendTraces(ctx, saved.map((q) => validationTrace(q, ctx.job.enqueuedAt)));
  await reportImportProgress(ctx, payload.importId, payload.chunkIndex);

  return { chunkIndex: payload.chunkIndex, scored: saved.length, alreadyStored: rows.length - toScore.length, byLevel, passed, failed, errors };
});

/** A row Postgres refuses for itself: a data exception (class 22) or a constraint it breaks (class 23). */
function isRowRefused(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return isDataError(error) || (typeof code === 'string' && code.startsWith('23'));
}

type RowToStore = ScoredQuestion & { index: number };

/**
 * Stores the chunk in one transaction; if Postgres refuses the data, stores each row in a
 * transaction of its own, so one bad row fails alone with its error instead of sinking its 99
 * neighbours (before: `stored: 0, errors: 100`). Connection errors are thrown: the job retries.
 */
export async function storeRows(ctx: Pick<ProcessorContext, 'db' | 'job'>, rows: RowToStore[], errors: RowError[]): Promise<RowToStore[]> {
  // One statement: questions, validations and their analytics events (db/queries/questions.ts).
  const results = await writeIsolatingRefused(
    rows,
    async (part) => {
      await storeValidations(ctx.db, part, part.map((q) => validationEvent(q, ctx.job.enqueuedAt)));
      return part;
    },
    { refused: isRowRefused },
  );
  const saved: RowToStore[] = [];
  results.forEach((r, n) => {
    if (r instanceof RefusedRow) errors.push({ index: rows[n]!.index, message: `not stored: ${r.error.message}`.slice(0, 500) });
    else saved.push(r);
  });
  return saved;
}

/**
 * Progress on the parent job (Bull Board and GET /api/jobs show it): the set of finished chunks
 * lives in Redis, so a retried chunk is not counted twice and chunks on other processes add up.
 */
async function reportImportProgress(ctx: ProcessorContext, importId: string, chunkIndex: number): Promise<void> {
  const parent = ctx.job.parent;
  if (!parent || !isQueueName(parent.queue)) return;
  const key = redisKeys.importProgress(ctx.producer.prefix, importId);
  const [, [, done]] = (await ctx.services.redis.multi().sadd(key, String(chunkIndex)).scard(key).expire(key, 86_400).exec()) as [
    unknown,
    [unknown, number],
  ];
  const job = await Job.fromId(ctx.producer.queue(parent.queue), parent.id);
  const data = job?.data as { chunks?: number } | undefined;
  await job?.updateProgress({ chunksDone: done, chunks: data?.chunks ?? null, percent: data?.chunks ? Math.round((100 * done) / data.chunks) : null });
}

