import { observeValidations } from '../../../observability/learning-metrics.js';
import { UnrecoverableError } from 'bullmq';
import type { QuestionInput } from '../../../core/bloom/question-input.js';
import type { ValidationResult } from '../../../core/contracts/question-contracts.js';
import { type StoredValidation, findStoredValidations, storeValidations, toValidationResult } from '../../../db/queries/questions.js';
import type { Logger } from '../../../observability/logger.js';
import { MicroBatcher } from '../../runtime/micro-batcher.js';
import { RefusedRow, onePerServices, writeIsolatingRefused } from '../../runtime/per-services.js';
import type { WorkerServices } from '../../runtime/processor.js';
import { sendTraces } from '../../runtime/send-trace.js';
import { type ScoredQuestion, validationEvent, validationTrace } from './validation-records.js';

/** One `validate` job's question, hashed once by the processor. */
export interface PendingValidation {
  id: string;
  contentHash: string;
  question: QuestionInput;
  enqueuedAt: Date;
  log: Logger;
}

/** What a job gets back: its result (and whether it was scored now), or its own error. */
export type ValidationOutcome = { result: ValidationResult; scored: boolean } | Error;

/** Validations gathered into one batch at most; 64 rows keep the statement well under 1 MB. */
const MAX_BATCH = 64;
/**
 * How long a lone validation waits for company. Small on purpose: at low load it is pure latency;
 * under load batches grow by themselves while the flushes in flight are busy (MicroBatcher).
 */
const MAX_WAIT_MS = 1;

const keyOf = (id: string, contentHash: string) => `${id}\u0000${contentHash}`;

/**
 * The `validate` actor's shared work, one per process (per WorkerServices), as the TraceWriter is
 * for decision-insights: concurrently running `validate` jobs hand their question to a
 * MicroBatcher, and each batch costs
 *   one SELECT for the validations already stored,
 *   one scoring call on the Bloom pool (split across its threads when large),
 *   one statement storing questions, validations and analytics events (db storeValidations),
 *   one `record-batch` job carrying every trace of the batch,
 * instead of all of these per job. A job resolves only after its batch is stored and its trace
 * sent, so a completed job still means a stored validation and a queued trace.
 *
 * Failure isolation: a question the scorer refuses fails its own job only; a batch Postgres refuses
 * as data is split and written one by one, so only the bad row's job fails (for good, as its data
 * never gets better). Any other error (connection, Redis) fails every job of the batch and BullMQ
 * retries them; everything a batch writes is idempotent (unique keys, deterministic trace and event
 * ids), so a re-run batch — whatever else it then holds — adds nothing twice.
 */
export class ValidationBatcher {
  private readonly batcher: MicroBatcher<PendingValidation, ValidationOutcome>;
  /** Batches flushed so far (tests check that concurrent jobs shared one). */
  flushes = 0;

  constructor(private readonly services: Pick<WorkerServices, 'db' | 'bloom' | 'producer' | 'cache'>) {
    this.batcher = new MicroBatcher({
      maxItems: MAX_BATCH,
      maxWaitMs: MAX_WAIT_MS,
      // Two per Bloom thread: one scoring while the other talks to Postgres or Redis.
      maxConcurrentFlushes: services.bloom.threads * 2,
      flush: (batch) => this.flush(batch),
    });
  }

  /** Validates one question with the others in flight; throws its own error if it has one. */
  async validate(pending: PendingValidation): Promise<{ result: ValidationResult; scored: boolean }> {
    const outcome = await this.batcher.add(pending);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  private async flush(batch: PendingValidation[]): Promise<ValidationOutcome[]> {
    this.flushes += 1;
    const { db, bloom } = this.services;
    const modelVersion = bloom.modelVersion;
    const keys = [...new Map(batch.map((p) => [keyOf(p.id, p.contentHash), { id: p.id, contentHash: p.contentHash }])).values()];
    const stored = new Map<string, StoredValidation>((await findStoredValidations(db, keys, modelVersion)).map((v) => [keyOf(v.question_id, v.content_hash), v]));

    // The same question twice in one batch (two job ids, one content) is scored once.
    const toScore = new Map<string, PendingValidation>();
    for (const p of batch) {
      const key = keyOf(p.id, p.contentHash);
      if (!stored.has(key) && !toScore.has(key)) toScore.set(key, p);
    }
    const pendingScores = [...toScore.values()];
    const scores = pendingScores.length ? await bloom.scoreMany(pendingScores.map((p) => p.question)) : [];
    const scored = new Map<string, { p: PendingValidation; q: ScoredQuestion } | Error>();
    scores.forEach((score, i) => {
      const p = pendingScores[i]!;
      const key = keyOf(p.id, p.contentHash);
      scored.set(key, score instanceof Error ? score : { p, q: { id: p.id, contentHash: p.contentHash, input: p.question, score } });
    });

    const written = await this.store([...scored.values()].filter((s): s is { p: PendingValidation; q: ScoredQuestion } => !(s instanceof Error)));
    const storedNow = [...written.values()].flatMap((w) => (w instanceof Error ? [] : [w.q]));
    // Committed: readers of these questions must not be served the old ones from a cache.
    await this.services.cache.invalidate('question', storedNow.map((q) => q.id));
    observeValidations(storedNow.map((q) => q.score));
    // Traces after the commit, all of the batch in one job (a retry re-sends identical traces).
    await sendTraces(
      this.services,
      [...written.values()].flatMap((w) => (w instanceof Error ? [] : [validationTrace(w.q, w.p.enqueuedAt)])),
    );

    return batch.map((p): ValidationOutcome => {
      const key = keyOf(p.id, p.contentHash);
      const known = stored.get(key);
      if (known) {
        p.log.debug({ questionId: p.id }, 'already validated with this model; reusing the stored result');
        return { result: toValidationResult(known) as ValidationResult, scored: false };
      }
      const outcome = written.get(key) ?? scored.get(key);
      if (!outcome) return new Error(`validation of ${p.id} went missing from its batch`); // cannot happen; never resolve silently
      if (outcome instanceof Error) return outcome;
      return { result: { questionId: p.id, ...outcome.q.score }, scored: true };
    });
  }

  /**
   * Writes the scored questions in one statement. DANGER — a poison row: should Postgres refuse the
   * batch as data, every question is written alone, and only the refused ones fail (for good).
   */
  private async store(items: { p: PendingValidation; q: ScoredQuestion }[]): Promise<Map<string, { p: PendingValidation; q: ScoredQuestion } | Error>> {
    const results = await writeIsolatingRefused(
      items,
      async (part) => {
        await storeValidations(this.services.db, part.map((i) => i.q), part.map((i) => validationEvent(i.q, i.p.enqueuedAt)));
        return part;
      },
      {
        onSplit: (error) =>
          items[0]?.p.log.warn({ err: { message: error.message }, questions: items.length }, 'a question of this batch cannot be stored; writing them one by one'),
      },
    );
    return new Map(
      results.map((r, n) => {
        const i = items[n]!;
        return [keyOf(i.q.id, i.q.contentHash), r instanceof RefusedRow ? new UnrecoverableError(`question ${i.q.id} cannot be stored: ${r.error.message}`) : r];
      }),
    );
  }
}

/** The process's batcher for these services (a test process may run several systems). */
export const validationBatcherFor = onePerServices((services) => new ValidationBatcher(services));
