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
 */
export async function loadSessionCandidates(db: Db, q: CandidateQuery): Promise<SessionCandidate[]> {
  const rows = await sql<{
    id: string;
    category_id: string | null;
    type: string;
    options_count: number | null;
    difficulty: number | null;
    rating: number | null;
    answer_count: number;
    passed: boolean | null;
    review: ReviewState | null;
  }>`
    SELECT q.id, q.category_id, q.type, jsonb_array_length(q.options) AS options_count, q.difficulty,
           q.rating, q.answer_count, v.passed, rs.state AS review
    FROM questions q
    LEFT JOIN LATERAL (
      SELECT passed FROM question_validations v
      WHERE v.question_id = q.id ORDER BY v.created_at DESC, v.id DESC LIMIT 1
    ) v ON true
    LEFT JOIN review_states rs ON rs.user_id = ${q.userId} AND rs.question_id = q.id
    WHERE (${q.categoryId ?? null}::text IS NULL OR q.category_id = ${q.categoryId ?? null})
      AND v.passed IS DISTINCT FROM false
    ORDER BY (rs.due_at IS NOT NULL AND rs.due_at <= ${q.now}) DESC,
             abs(COALESCE(q.rating, 0) - ${q.aroundDifficulty}) ASC, q.id
    LIMIT ${q.limit}
  `.execute(db);
  return rows.rows.map((r) => ({
    questionId: r.id,
    categoryId: r.category_id,
    type: r.type,
    optionsCount: r.options_count,
    statedDifficulty: r.difficulty,
    validationPassed: r.passed,
    item: r.rating === null ? null : ({ questionId: r.id, difficulty: r.rating, answers: r.answer_count } satisfies ItemState),
    review: r.review,
  }));
}

export interface StoredSession {
  id: string;
  userId: string;
  size: number;
  questions: SessionPick[];
}

export async function getSession(db: Db, sessionId: string): Promise<StoredSession | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['id', 'user_id', 'size', 'questions'])
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return row && { id: row.id, userId: row.user_id, size: row.size, questions: row.questions as SessionPick[] };
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
