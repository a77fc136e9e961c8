import { type Selectable, sql } from 'kysely';
import type { BloomScore } from '../../core/bloom/bloom-score.js';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import type { AnalyticsEvent } from '../../core/contracts/analytics-events.js';
import { priorDifficulty } from '../../core/learner/difficulty-calibration.js';
import { loadMappings, mappingFor } from './difficulty-mappings.js';
import { type Db, PREPARED } from '../database.js';
import type { QuestionValidationsTable } from '../schema.js';

export interface QuestionToStore {
  id: string;
  contentHash: string;
  input: QuestionInput;
  score: BloomScore;
}

/**
 * Stores scored questions — the question rows (upserted by id), their validations and the analytics
 * events that announce them — in ONE statement: three data-modifying CTEs over JSON arrays, so a
 * batch of any size costs one round trip and no transaction (a single statement is atomic, and the
 * foreign key from validations to questions is checked at its end, when both are written).
 *
 * Idempotent: the unique key (question, model version, content hash) turns a repeated validation
 * into a no-op, and events are unique by event_id. The Elo rating and answer count are left alone
 * on update: they belong to the feedback loop.
 *
 * DANGER: a row Postgres refuses as data (SQLSTATE class 22, e.g. a NUL character) fails the whole
 * statement; batching callers split the batch then (see validation-batcher.ts).
 */
export async function storeValidations(db: Db, questions: readonly QuestionToStore[], events: readonly AnalyticsEvent[]): Promise<void> {
  if (questions.length === 0 && events.length === 0) return;
  // One row per id / per key: two rows for the same id in one INSERT … ON CONFLICT DO UPDATE fail.
  const byId = [...new Map(questions.map((q) => [q.id, q])).values()];
  const byKey = [...new Map(questions.map((q) => [`${q.id}\u0000${q.contentHash}\u0000${q.score.modelVersion}`, q])).values()];
  const byEvent = [...new Map(events.map((e) => [e.eventId, e])).values()];
  // New questions' ratings start from their category's learned level mapping
  // (difficulty-mappings.ts; the feedback loop and the recalibration job refine it).
  const mappings = await loadMappings(db, byId.map((q) => q.input.categoryId ?? null));
  const questionRows = JSON.stringify(
    byId.map((q) => ({
      id: q.id,
      content_hash: q.contentHash,
      text: q.input.text,
      type: q.input.type,
      difficulty: q.input.difficulty ?? null,
      category_id: q.input.categoryId ?? null,
      learning_objective: q.input.learningObjective ?? null,
      options: q.input.options ?? null,
      answer: q.input.answer ?? null,
      rating: priorDifficulty(q.input.difficulty, mappingFor(mappings, q.input.categoryId)),
    })),
  );
  const validationRows = JSON.stringify(
    byKey.map((q) => ({
      question_id: q.id,
      content_hash: q.contentHash,
      model_version: q.score.modelVersion,
      level: q.score.level,
      knowledge_dimension: q.score.knowledgeDimension,
      complexity: q.score.complexity,
      confidence: q.score.confidence,
      quality_score: q.score.qualityScore,
      passed: q.score.passed,
      suggestions: q.score.suggestions,
      evidence: q.score.evidence,
    })),
  );
  const eventRows = JSON.stringify(
    byEvent.map((e) => ({
      event_id: e.eventId,
      kind: e.kind,
      user_id: e.userId ?? null,
      session_id: e.sessionId ?? null,
      payload: e.payload,
      occurred_at: e.occurredAt,
    })),
  );
  await sql`${PREPARED}
    WITH q AS (
      INSERT INTO questions (id, content_hash, text, type, difficulty, category_id, learning_objective, options, answer, rating)
      SELECT id, content_hash, text, type, difficulty, category_id, learning_objective, options, answer, rating
        FROM jsonb_to_recordset(${questionRows}::jsonb) AS r(id text, content_hash text, text text, type text,
          difficulty smallint, category_id text, learning_objective text, options jsonb, answer text, rating double precision)
      ON CONFLICT (id) DO UPDATE SET
        content_hash = excluded.content_hash, text = excluded.text, type = excluded.type,
        difficulty = excluded.difficulty, category_id = excluded.category_id,
        learning_objective = excluded.learning_objective, options = excluded.options,
        answer = excluded.answer, updated_at = now()
    ),
    v AS (
      INSERT INTO question_validations (question_id, content_hash, model_version, level, knowledge_dimension,
        complexity, confidence, quality_score, passed, suggestions, evidence)
      SELECT question_id, content_hash, model_version, level, knowledge_dimension, complexity, confidence,
             quality_score, passed, suggestions, evidence
        FROM jsonb_to_recordset(${validationRows}::jsonb) AS r(question_id text, content_hash text, model_version text,
          level text, knowledge_dimension text, complexity double precision, confidence double precision,
          quality_score double precision, passed boolean, suggestions jsonb, evidence jsonb)
      ON CONFLICT (question_id, model_version, content_hash) DO NOTHING
    ),
    e AS (
      INSERT INTO analytics_events (event_id, kind, user_id, session_id, payload, occurred_at)
      SELECT event_id, kind, user_id, session_id, payload, occurred_at
        FROM jsonb_to_recordset(${eventRows}::jsonb) AS r(event_id text, kind text, user_id text, session_id text,
          payload jsonb, occurred_at timestamptz)
      ON CONFLICT (event_id) DO NOTHING
    )
    SELECT 1`.execute(db);
}

/**
 * Validations already stored for these (id, content hash) pairs under this model version. The pairs
 * travel as two array parameters, so the statement has the same text and size for 1 key or 100:
 * an OR of one AND per key cost kysely a node tree and Postgres a plan that both grew with the batch
 * (bench/README.md, "Where a job's time goes"). Prepared (PREPARED): its planning cost more than its
 * execution, once per batch; the columns are listed for the same reason (see PREPARED).
 */
export async function findStoredValidations(
  db: Db,
  keys: { id: string; contentHash: string }[],
  modelVersion: string,
) {
  if (keys.length === 0) return [];
  const { rows } = await sql<Selectable<QuestionValidationsTable>>`${PREPARED}
    SELECT id, question_id, content_hash, model_version, level, knowledge_dimension, complexity, confidence,
           quality_score, passed, suggestions, evidence, created_at
      FROM question_validations
     WHERE model_version = ${modelVersion}
       AND (question_id, content_hash) IN (SELECT * FROM unnest(${keys.map((k) => k.id)}::text[], ${keys.map((k) => k.contentHash)}::text[]))`.execute(db);
  return rows;
}

export type StoredValidation = Awaited<ReturnType<typeof findStoredValidations>>[number];

function reviewOf(evidence: Record<string, unknown>): { needsReview: boolean; runnerUpLevel?: string } {
  const review = evidence.review as { needsReview?: unknown; runnerUpLevel?: unknown } | undefined;
  return {
    needsReview: review?.needsReview === true,
    ...(typeof review?.runnerUpLevel === 'string' ? { runnerUpLevel: review.runnerUpLevel } : {}),
  };
}

/** A stored validation row in the validation result's shape (core/contracts/question-contracts.ts). */
export function toValidationResult(row: StoredValidation) {
  return {
    questionId: row.question_id,
    level: row.level,
    knowledgeDimension: row.knowledge_dimension,
    complexity: row.complexity,
    confidence: row.confidence,
    qualityScore: row.quality_score,
    passed: row.passed,
    suggestions: row.suggestions,
    evidence: row.evidence,
    modelVersion: row.model_version,
    // Kept inside evidence (no column of its own); validations stored before it read as unmarked.
    ...reviewOf(row.evidence),
  };
}

/** The stored question with its newest validation, or undefined. */
export async function getQuestionWithLatestValidation(db: Db, id: string) {
  const question = await db.selectFrom('questions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!question) return undefined;
  const validation = await db
    .selectFrom('question_validations')
    .selectAll()
    .where('question_id', '=', id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    id: question.id,
    text: question.text,
    type: question.type,
    difficulty: question.difficulty,
    categoryId: question.category_id,
    learningObjective: question.learning_objective,
    options: question.options,
    answer: question.answer,
    rating: question.rating,
    answerCount: question.answer_count,
    createdAt: question.created_at.toISOString(),
    updatedAt: question.updated_at.toISOString(),
    validation: validation ? toValidationResult(validation) : null,
  };
}

/** Questions and validations without events (seeding, the simulator's bank). */
export function saveValidatedQuestions(db: Db, questions: readonly QuestionToStore[]): Promise<void> {
  return storeValidations(db, questions, []);
}
