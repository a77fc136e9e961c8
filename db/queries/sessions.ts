import { sql } from 'kysely';
import type { ItemState } from '../../core/learner/learner-state.js';
import type { ReviewState } from '../../core/scheduling/review-state.js';
import type { SessionCandidate, SessionPick } from '../../core/session/session-candidate.js';
import type { Db } from '../database.js';

export interface CandidateQuery {
  userId: string;
  categoryId?: string | null;
  /** The learner's skill (logits): the pool is cut to the questions rated closest to it. */
  aroundDifficulty: number;
  limit: number;
  now: Date;
}

/**
 * The question pool a session is composed from: questions that did not fail their latest
 * validation, with their shared Elo state and this learner's review state. Due reviews come first
 * whatever their difficulty; the rest are the `limit` rated nearest the learner's skill, so a large
 * bank does not make composition slow.
 *
 * The result is the first `limit` rows of all such questions ordered by (due first, distance from
 * the skill, id), read without touching the whole bank: the nearest `limit` at or above the skill
 * and the nearest `limit` below it come from walking the rating indexes (migration 0010) outwards
 * from the skill, and the learner's due reviews from their own index; only that union is sorted.
 * Why it is exact: with D due questions in the answer, the other `limit − D` are the nearest
 * non-due ones, and each side's nearest `limit` rows hold at least that many non-due rows.
 * DANGER: keep the ORDER BYs on `COALESCE(rating, 0)`, the indexed expression, or the walk turns
 * into a scan of the category.
 */
export async function loadSessionCandidates(db: Db, q: CandidateQuery): Promise<SessionCandidate[]> {
  // Two statement shapes rather than `$cat IS NULL OR …`, so each matches its index.
  const inCategory = (alias: string) => (q.categoryId == null ? sql`true` : sql`${sql.ref(`${alias}.category_id`)} = ${q.categoryId}`);
  const notFailed = (alias: string) => sql`NOT EXISTS (
      SELECT 1 FROM (SELECT passed FROM question_validations v WHERE v.question_id = ${sql.ref(`${alias}.id`)}
                     ORDER BY v.created_at DESC, v.id DESC LIMIT 1) latest
      WHERE latest.passed = false)`;
  const x = q.aroundDifficulty;
  const rows = await sql<{
    id: string;
    category_id: string | null;
    type: string;
    options_count: number | null;
    difficulty: number | null;
    rating: number | null;
    answer_count: number;
    rating_info: number;
    passed: boolean | null;
    review: ReviewState | null;
  }>`
    WITH due AS (
      SELECT dq.id, dq.category_id, dq.type, jsonb_array_length(dq.options) AS options_count, dq.difficulty, dq.rating, dq.answer_count, dq.rating_info FROM review_states drs JOIN questions dq ON dq.id = drs.question_id
      WHERE drs.user_id = ${q.userId} AND drs.due_at <= ${q.now} AND ${inCategory('dq')} AND ${notFailed('dq')}
      ORDER BY abs(COALESCE(dq.rating, 0) - ${x}), dq.id
      LIMIT ${q.limit}
    ),
    above AS (
      SELECT aq.id, aq.category_id, aq.type, jsonb_array_length(aq.options) AS options_count, aq.difficulty, aq.rating, aq.answer_count, aq.rating_info FROM questions aq
      WHERE ${inCategory('aq')} AND COALESCE(aq.rating, 0) >= ${x} AND ${notFailed('aq')}
      ORDER BY COALESCE(aq.rating, 0) ASC, aq.id ASC
      LIMIT ${q.limit}
    ),
    below AS (
      SELECT bq.id, bq.category_id, bq.type, jsonb_array_length(bq.options) AS options_count, bq.difficulty, bq.rating, bq.answer_count, bq.rating_info FROM questions bq
      WHERE ${inCategory('bq')} AND COALESCE(bq.rating, 0) < ${x} AND ${notFailed('bq')}
      ORDER BY COALESCE(bq.rating, 0) DESC, bq.id ASC
      LIMIT ${q.limit}
    ),
    -- The CTEs carry the columns themselves: joining the pool back to questions by id let the
    -- planner pick a hash join over the whole table (a scan of the bank again).
    pool AS (SELECT * FROM due UNION SELECT * FROM above UNION SELECT * FROM below)
    SELECT q.id, q.category_id, q.type, q.options_count, q.difficulty, q.rating, q.answer_count, q.rating_info, v.passed, rs.state AS review
    FROM pool q
    LEFT JOIN LATERAL (
      SELECT passed FROM question_validations v
      WHERE v.question_id = q.id ORDER BY v.created_at DESC, v.id DESC LIMIT 1
    ) v ON true
    LEFT JOIN review_states rs ON rs.user_id = ${q.userId} AND rs.question_id = q.id
    ORDER BY (rs.due_at IS NOT NULL AND rs.due_at <= ${q.now}) DESC,
             abs(COALESCE(q.rating, 0) - ${x}) ASC, q.id
    LIMIT ${q.limit}
  `.execute(db);
  return rows.rows.map((r) => ({
    questionId: r.id,
    categoryId: r.category_id,
    type: r.type,
    optionsCount: r.options_count,
    statedDifficulty: r.difficulty,
    validationPassed: r.passed,
    item: r.rating === null ? null : ({ questionId: r.id, difficulty: r.rating, answers: r.answer_count, info: r.rating_info } satisfies ItemState),
    review: r.review,
  }));
}

export interface StoredSession {
  id: string;
  userId: string;
  categoryId: string | null;
  size: number;
  questions: SessionPick[];
}

/** Every session id of a learner (erasure drops them from the read cache before anonymising). */
export async function sessionIdsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
  return rows.map((r) => r.id);
}

export async function getSession(db: Db, sessionId: string): Promise<StoredSession | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['id', 'user_id', 'category_id', 'size', 'questions'])
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return row && toStoredSession(row);
}

/** A sessions row as read (also by the feedback loop's one-statement read, db/queries/feedback.ts). */
export function toStoredSession(row: { id: string; user_id: string; category_id: string | null; size: number; questions: unknown }): StoredSession {
  return { id: row.id, userId: row.user_id, categoryId: row.category_id, size: row.size, questions: row.questions as SessionPick[] };
}

/** Idempotent: a retried generate job finds its session already stored and changes nothing. */
export async function insertSession(
  db: Db,
  session: { id: string; userId: string; categoryId: string | null; questions: SessionPick[]; createdAt: Date },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: session.id,
      user_id: session.userId,
      category_id: session.categoryId,
      size: session.questions.length,
      questions: JSON.stringify(session.questions),
      created_at: session.createdAt,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/**
 * A session re-planned after answers handed in one at a time: the answered positions stay as
 * they were asked, the rest are replaced by the new plan.
 */
export async function replaceSessionQuestions(db: Db, sessionId: string, questions: SessionPick[]): Promise<void> {
  await db.updateTable('sessions').set({ questions: JSON.stringify(questions) }).where('id', '=', sessionId).execute();
}

/** A session with its outcome and the answers handed in for it (`learnloop analyze session`). */
export async function getSessionWithAnswers(db: Db, sessionId: string) {
  const session = await db
    .selectFrom('sessions')
    .select(['id', 'user_id', 'category_id', 'size', 'status', 'questions', 'success_rate', 'flow_achieved', 'created_at', 'completed_at'])
    .where('id', '=', sessionId)
    .executeTakeFirst();
  if (!session) return undefined;
  const answers = await db
    .selectFrom('attempts')
    .select(['question_id', 'correct', 'response_ms', 'answered_at'])
    .where('session_id', '=', sessionId)
    .orderBy('answered_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
  return {
    id: session.id,
    userId: session.user_id,
    categoryId: session.category_id,
    size: session.size,
    status: session.status,
    questions: session.questions as SessionPick[],
    successRate: session.success_rate,
    flowAchieved: session.flow_achieved,
    createdAt: new Date(session.created_at).toISOString(),
    completedAt: session.completed_at ? new Date(session.completed_at).toISOString() : null,
    answers: answers.map((a) => ({ questionId: a.question_id, correct: a.correct, responseMs: a.response_ms, answeredAt: new Date(a.answered_at).toISOString() })),
  };
}
