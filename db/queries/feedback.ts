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
  /** The pick's predicted success when it was asked (the session's plan), for calibration. */
  predicted?: number | null;
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
        predicted: a.predicted ?? null,
      })),
    )
    .onConflict((oc) => oc.columns(['session_id', 'question_id']).doNothing())
    .returning('question_id')
    .execute();
  return new Set(inserted.map((r) => r.question_id));
}

/**
 * What the learner model needs about each answered question, its shared Elo state and this
 * learner's review state: one statement (questions joined to the learner's review states).
 */
export async function loadAnsweredQuestions(trx: Db, userId: string, questionIds: string[]) {
  const questions: Record<string, QuestionMeta> = {};
  const items: Record<string, ItemState> = {};
  const reviews: Record<string, ReviewState> = {};
  if (questionIds.length === 0) return { questions, items, reviews };
  const rows = await trx
    .selectFrom('questions as q')
    .leftJoin('review_states as rs', (join) => join.onRef('rs.question_id', '=', 'q.id').on('rs.user_id', '=', userId))
    .select([
      'q.id',
      'q.category_id',
      'q.type',
      'q.difficulty',
      'q.rating',
      'q.answer_count',
      'q.rating_info',
      sql<number | null>`jsonb_array_length(q.options)`.as('options_count'),
      'rs.state as review',
    ])
    .where('q.id', 'in', questionIds)
    .execute();
  for (const r of rows) {
    questions[r.id] = { categoryId: r.category_id, type: r.type, optionsCount: r.options_count, statedDifficulty: r.difficulty };
    if (r.rating !== null) items[r.id] = { questionId: r.id, difficulty: r.rating, answers: r.answer_count, info: r.rating_info };
    if (r.review !== null) reviews[r.id] = r.review as unknown as ReviewState;
  }
  return { questions, items, reviews };
}

/**
 * Item ratings are shared by every learner, so concurrent feedback jobs for different learners may
 * update one question at once. Applying the change as a delta (rating + Δ) instead of writing the
 * value read earlier keeps both updates; each learner's row lock does not cover questions.
 */
export async function applyItemChanges(trx: Db, changes: { questionId: string; delta: number; answers: number; info?: number }[]): Promise<void> {
  if (changes.length === 0) return;
  // One statement for the session. DANGER — deadlocks: two sessions updating overlapping questions
  // must lock them in the same order, so the rows are locked first in id order (FOR UPDATE over a
  // sort locks as the sorted rows come out), and only then updated by delta.
  const merged = new Map<string, { delta: number; answers: number; info: number }>();
  for (const c of changes) {
    const m = merged.get(c.questionId) ?? { delta: 0, answers: 0, info: 0 };
    merged.set(c.questionId, { delta: m.delta + c.delta, answers: m.answers + c.answers, info: m.info + (c.info ?? 0) });
  }
  const ids = [...merged.keys()];
  await sql`
    WITH locked AS (SELECT id FROM questions WHERE id = ANY(${ids}::text[]) ORDER BY id FOR UPDATE),
    changes AS (SELECT * FROM unnest(${ids}::text[], ${ids.map((id) => merged.get(id)!.delta)}::float8[],
                                     ${ids.map((id) => merged.get(id)!.answers)}::int[],
                                     ${ids.map((id) => merged.get(id)!.info)}::float8[]) AS c(id, delta, answers, info))
    UPDATE questions q
       SET rating = COALESCE(q.rating, 0) + c.delta, answer_count = q.answer_count + c.answers,
           rating_info = q.rating_info + c.info
      FROM changes c
     WHERE q.id = c.id AND q.id IN (SELECT id FROM locked)`.execute(trx);
}

/** The questions of a session answered so far, in answer order (per-answer hand-ins). */
export async function sessionAnswers(trx: Db, sessionId: string): Promise<Array<{ questionId: string; correct: boolean }>> {
  const rows = await trx
    .selectFrom('attempts')
    .select(['question_id', 'correct'])
    .where('session_id', '=', sessionId)
    .orderBy('answered_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ questionId: r.question_id, correct: r.correct }));
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
  // Counted and written in one statement; a session without answers is left as it is.
  const row = await sql<{ answered: number; correct: number; size: number; flow_achieved: boolean; success_rate: number; completed: boolean; just_completed: boolean }>`
    WITH stats AS (
      SELECT count(*)::int AS answered, (count(*) FILTER (WHERE correct))::int AS correct
        FROM attempts WHERE session_id = ${sessionId}
    ),
    -- The row as it was before this statement (one snapshot): was the session still open?
    prev AS (SELECT completed_at IS NULL AS was_open FROM sessions WHERE id = ${sessionId})
    UPDATE sessions s
       SET success_rate = stats.correct::float8 / stats.answered,
           flow_achieved = stats.correct::float8 / stats.answered BETWEEN ${flowBand.low}::float8 AND ${flowBand.high}::float8,
           status = CASE WHEN stats.answered >= s.size THEN 'completed' ELSE s.status END,
           completed_at = CASE WHEN stats.answered >= s.size THEN COALESCE(s.completed_at, ${now}) ELSE s.completed_at END
      FROM stats, prev
     WHERE s.id = ${sessionId} AND stats.answered > 0
    RETURNING stats.answered, stats.correct, s.size, s.flow_achieved, s.success_rate, stats.answered >= s.size AS completed,
              (stats.answered >= s.size AND prev.was_open) AS just_completed
  `.execute(trx);
  const stats = row.rows[0];
  if (!stats) return undefined;
  return { successRate: stats.success_rate, flowAchieved: stats.flow_achieved, completed: stats.completed,
    // `justCompleted`: this call completed it (counted once, not again by later answers or replays).
    justCompleted: stats.just_completed,
    answered: stats.answered, correct: stats.correct };
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
