import { sql } from 'kysely';
import type { QuestionMeta } from '../../core/feedback/apply-session-results.js';
import type { ItemState } from '../../core/learner/learner-state.js';
import type { ReviewState } from '../../core/scheduling/review-state.js';
import type { Db } from '../database.js';

export interface AnswerRow {
  questionId: string;
  correct: boolean;
  responseMs?: number;
  answeredAt: Date;
}

/**
 * Records answers once per (session, question) and returns the question ids that were new. This
 * is the feedback loop's idempotency key: only the answers returned here are applied, so a
 * resubmission or a retried job changes nothing twice.
 */
export async function insertNewAttempts(trx: Db, sessionId: string, userId: string, answers: AnswerRow[]): Promise<Set<string>> {
  if (answers.length === 0) return new Set();
  const inserted = await trx
    .insertInto('attempts')
    .values(
      answers.map((a) => ({
        session_id: sessionId,
        user_id: userId,
        question_id: a.questionId,
        correct: a.correct,
        response_ms: a.responseMs ?? null,
        answered_at: a.answeredAt,
      })),
    )
    .onConflict((oc) => oc.columns(['session_id', 'question_id']).doNothing())
    .returning('question_id')
    .execute();
  return new Set(inserted.map((r) => r.question_id));
}

/** What the learner model needs about each answered question, and its shared Elo state. */
export async function loadAnsweredQuestions(trx: Db, userId: string, questionIds: string[]) {
  const questions: Record<string, QuestionMeta> = {};
  const items: Record<string, ItemState> = {};
  const reviews: Record<string, ReviewState> = {};
  if (questionIds.length === 0) return { questions, items, reviews };
  const rows = await trx
    .selectFrom('questions')
    .select(['id', 'category_id', 'type', 'difficulty', 'rating', 'answer_count', sql<number | null>`jsonb_array_length(options)`.as('options_count')])
    .where('id', 'in', questionIds)
    .execute();
  for (const r of rows) {
    questions[r.id] = { categoryId: r.category_id, type: r.type, optionsCount: r.options_count, statedDifficulty: r.difficulty };
    if (r.rating !== null) items[r.id] = { questionId: r.id, difficulty: r.rating, answers: r.answer_count };
  }
  const reviewRows = await trx
    .selectFrom('review_states')
    .select(['question_id', 'state'])
    .where('user_id', '=', userId)
    .where('question_id', 'in', questionIds)
    .execute();
  for (const r of reviewRows) reviews[r.question_id] = r.state as unknown as ReviewState;
  return { questions, items, reviews };
}

/**
 * Item ratings are shared by every learner, so concurrent feedback jobs for different learners may
 * update one question at once. Applying the change as a delta (rating + Δ) instead of writing the
 * value read earlier keeps both updates; each learner's row lock does not cover questions.
 */
export async function applyItemChanges(trx: Db, changes: { questionId: string; delta: number; answers: number }[]): Promise<void> {
  for (const c of [...changes].sort((a, b) => (a.questionId < b.questionId ? -1 : 1))) {
    await trx
      .updateTable('questions')
      .set({
        rating: sql`COALESCE(rating, 0) + ${c.delta}`,
        answer_count: sql`answer_count + ${c.answers}`,
      })
      .where('id', '=', c.questionId)
      .execute();
  }
}

export async function upsertReviewStates(trx: Db, userId: string, reviews: ReviewState[], now: Date): Promise<void> {
  if (reviews.length === 0) return;
  await trx
    .insertInto('review_states')
    .values(
      reviews.map((r) => ({
        user_id: userId,
        question_id: r.questionId,
        algorithm: r.algorithm,
        state: JSON.stringify(r),
        due_at: new Date(r.dueAt),
        last_reviewed_at: r.lastReviewedAt === null ? null : new Date(r.lastReviewedAt),
        updated_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['user_id', 'question_id']).doUpdateSet((eb) => ({
        algorithm: eb.ref('excluded.algorithm'),
        state: eb.ref('excluded.state'),
        due_at: eb.ref('excluded.due_at'),
        last_reviewed_at: eb.ref('excluded.last_reviewed_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/**
 * The session's outcome over every answer it has received so far (a session may be handed in in
 * parts). Flow state = success rate within the band; completed once every question is answered.
 */
export async function refreshSessionOutcome(trx: Db, sessionId: string, flowBand: { low: number; high: number }, now: Date) {
  const row = await sql<{ answered: number; correct: number; size: number; was_open: boolean }>`
    SELECT count(a.*)::int AS answered, count(a.*) FILTER (WHERE a.correct)::int AS correct, s.size,
           s.completed_at IS NULL AS was_open
    FROM sessions s LEFT JOIN attempts a ON a.session_id = s.id
    WHERE s.id = ${sessionId} GROUP BY s.size, s.completed_at
  `.execute(trx);
  const stats = row.rows[0];
  if (!stats || stats.answered === 0) return undefined;
  const successRate = stats.correct / stats.answered;
  const flowAchieved = successRate >= flowBand.low && successRate <= flowBand.high;
  const completed = stats.answered >= stats.size;
  await trx
    .updateTable('sessions')
    .set({
      success_rate: successRate,
      flow_achieved: flowAchieved,
      ...(completed ? { status: 'completed', completed_at: sql`COALESCE(completed_at, ${now})` } : {}),
    })
    .where('id', '=', sessionId)
    .execute();
  // `justCompleted`: this call completed it (counted once, not again by later answers or replays).
  return { successRate, flowAchieved, completed, justCompleted: completed && stats.was_open, answered: stats.answered, correct: stats.correct };
}

export async function findFeedbackApplication(db: Db, jobKey: string) {
  return db.selectFrom('feedback_applications').select(['result', 'traces']).where('job_key', '=', jobKey).executeTakeFirst();
}

export async function saveFeedbackApplication(
  trx: Db,
  row: { jobKey: string; sessionId: string; userId: string; result: Record<string, unknown>; traces: unknown[] },
): Promise<void> {
  await trx
    .insertInto('feedback_applications')
    .values({
      job_key: row.jobKey,
      session_id: row.sessionId,
      user_id: row.userId,
      result: JSON.stringify(row.result),
      traces: JSON.stringify(row.traces),
    })
    .onConflict((oc) => oc.column('job_key').doNothing())
    .execute();
}
