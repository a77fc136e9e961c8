import { sql } from 'kysely';
import type { BloomScore } from '../../core/bloom/bloom-score.js';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import { levelToLogit } from '../../core/learner/level.js';
import type { Db } from '../database.js';

export interface QuestionToStore {
  id: string;
  contentHash: string;
  input: QuestionInput;
  score: BloomScore;
}

/** The difficulty 1..5 the author gave seeds the Elo rating (the feedback loop refines it). */
function seedColumns(q: QuestionToStore) {
  return {
    rating: levelToLogit(q.input.difficulty),
    id: q.id,
    content_hash: q.contentHash,
    text: q.input.text,
    type: q.input.type,
    difficulty: q.input.difficulty ?? null,
    category_id: q.input.categoryId ?? null,
    learning_objective: q.input.learningObjective ?? null,
    options: q.input.options ? JSON.stringify(q.input.options) : null,
    answer: q.input.answer ?? null,
  };
}

function validationColumns(q: QuestionToStore) {
  return {
    question_id: q.id,
    content_hash: q.contentHash,
    model_version: q.score.modelVersion,
    level: q.score.level,
    knowledge_dimension: q.score.knowledgeDimension,
    complexity: q.score.complexity,
    confidence: q.score.confidence,
    quality_score: q.score.qualityScore,
    passed: q.score.passed,
    suggestions: JSON.stringify(q.score.suggestions),
    evidence: JSON.stringify(q.score.evidence),
  };
}

/**
 * Upserts questions (by id) and inserts their validations, in one transaction. Idempotent: the
 * unique key (question, model version, content hash) turns a repeated validation into a no-op.
 * The Elo rating and answer count are left alone on update: they belong to the feedback loop.
 */
export async function saveValidatedQuestions(db: Db, questions: QuestionToStore[]): Promise<void> {
  if (questions.length === 0) return;
  // One row per id: with two rows for the same id in one INSERT … ON CONFLICT, Postgres refuses.
  const unique = [...new Map(questions.map((q) => [q.id, q])).values()];
  // Callers that also record events pass their own transaction; otherwise open one here.
  const inTransaction = <T>(fn: (trx: Db) => Promise<T>) => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  await inTransaction(async (trx) => {
    await trx
      .insertInto('questions')
      .values(unique.map(seedColumns))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          content_hash: eb.ref('excluded.content_hash'),
          text: eb.ref('excluded.text'),
          type: eb.ref('excluded.type'),
          difficulty: eb.ref('excluded.difficulty'),
          category_id: eb.ref('excluded.category_id'),
          learning_objective: eb.ref('excluded.learning_objective'),
          options: eb.ref('excluded.options'),
          answer: eb.ref('excluded.answer'),
          updated_at: sql`now()`,
        })),
      )
      .execute();
    await trx
      .insertInto('question_validations')
      .values(unique.map(validationColumns))
      .onConflict((oc) => oc.columns(['question_id', 'model_version', 'content_hash']).doNothing())
      .execute();
  });
}

/** Validations already stored for these (id, content hash) pairs under this model version. */
export async function findStoredValidations(
  db: Db,
  keys: { id: string; contentHash: string }[],
  modelVersion: string,
) {
  if (keys.length === 0) return [];
  return db
    .selectFrom('question_validations')
    .selectAll()
    .where('model_version', '=', modelVersion)
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('question_id', '=', k.id), eb('content_hash', '=', k.contentHash)]))))
    .execute();
}

export type StoredValidation = Awaited<ReturnType<typeof findStoredValidations>>[number];

function reviewOf(evidence: Record<string, unknown>): { needsReview: boolean; runnerUpLevel?: string } {
  const review = evidence.review as { needsReview?: unknown; runnerUpLevel?: unknown } | undefined;
  return {
    needsReview: review?.needsReview === true,
    ...(typeof review?.runnerUpLevel === 'string' ? { runnerUpLevel: review.runnerUpLevel } : {}),
  };
}

/** A stored validation row in the result shape of DESIGN.md. */
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
