import { type RawBuilder, sql } from 'kysely';
import type { QuestionMeta } from '../../core/feedback/apply-session-results.js';
import type { ItemState, LearnerState } from '../../core/learner/learner-state.js';
import { skillToLevel } from '../../core/learner/level.js';
import type { ReviewState } from '../../core/scheduling/review-state.js';
import type { Db } from '../database.js';
import { type LearnerRead, readLearnerRow } from './learners.js';
import { toStoredSession } from './sessions.js';

export interface AnswerRow {
  questionId: string;
  correct: boolean;
  responseMs?: number;
  answeredAt: Date;
  /** The pick's predicted success when it was asked (the session's plan), for calibration. */
  predicted?: number | null;
}

/**
 * Locks the learner's row for the rest of the transaction (so two feedback jobs for one learner
 * apply one after the other) and records the answers once per (session, question), in ONE
 * statement. Returns the learner as locked and the question ids that were new: this is the
 * feedback loop's idempotency key — only the answers returned here are applied, so a resubmission
 * or a retried job changes nothing twice.
 *
 * DANGER — order: the answers are inserted only once the learner's row is locked, as when these
 * were two statements: which answers are new is decided one job of the learner at a time. The
 * insert is gated on the locked row (a one-time filter, evaluated before any row is produced), so
 * the lock comes first; an erased learner (or one without a row: status 'unknown', the caller
 * creates it with insertLearnerIfMissing and calls again) gets nothing inserted.
 */
export async function lockLearnerAndRecordAnswers(
  trx: Db,
  sessionId: string,
  userId: string,
  answers: readonly AnswerRow[],
): Promise<{ learner: LearnerRead; fresh: Set<string> }> {
  const row = await sql<{ learner: { state: unknown; deleted_at: string | null } | null; fresh: string[] }>`
    WITH locked AS (SELECT state, deleted_at FROM learners WHERE user_id = ${userId} FOR UPDATE),
    inserted AS (
      INSERT INTO attempts (session_id, user_id, question_id, correct, response_ms, answered_at, predicted)
      SELECT ${sessionId}, ${userId}, a.question_id, a.correct, a.response_ms, a.answered_at, a.predicted
        FROM unnest(${answers.map((a) => a.questionId)}::text[], ${answers.map((a) => a.correct)}::bool[],
                    ${answers.map((a) => a.responseMs ?? null)}::int[], ${answers.map((a) => a.answeredAt.toISOString())}::timestamptz[],
                    ${answers.map((a) => a.predicted ?? null)}::float8[])
             WITH ORDINALITY AS a(question_id, correct, response_ms, answered_at, predicted, n)
       WHERE EXISTS (SELECT 1 FROM locked WHERE deleted_at IS NULL)
       -- In answer order, as the ids order answers with the same time (sessionAnswers).
       ORDER BY a.n
      ON CONFLICT (session_id, question_id) DO NOTHING
      RETURNING question_id)
    SELECT (SELECT json_build_object('state', state, 'deleted_at', deleted_at) FROM locked) AS learner,
           (SELECT COALESCE(json_agg(question_id), '[]') FROM inserted) AS fresh
  `.execute(trx);
  const r = row.rows[0]!;
  return { learner: learnerFromJson(r.learner), fresh: new Set(r.fresh) };
}

/** A learners row read as JSON (json_build_object: the timestamp comes as a string). */
function learnerFromJson(row: { state: unknown; deleted_at: string | null } | null): LearnerRead {
  return readLearnerRow(row ? { state: row.state, deleted_at: row.deleted_at === null ? null : new Date(row.deleted_at) } : undefined);
}

/** What the learner model needs about each answered question: its metadata, shared Elo state and this learner's review state. */
export interface AnsweredQuestions {
  questions: Record<string, QuestionMeta>;
  items: Record<string, ItemState>;
  reviews: Record<string, ReviewState>;
}

interface AnsweredRow {
  id: string;
  category_id: string | null;
  type: string;
  difficulty: number | null;
  rating: number | null;
  answer_count: number;
  rating_info: number;
  options_count: number | null;
  review: unknown;
}

function toAnsweredQuestions(rows: readonly AnsweredRow[]): AnsweredQuestions {
  const out: AnsweredQuestions = { questions: {}, items: {}, reviews: {} };
  for (const r of rows) {
    out.questions[r.id] = { categoryId: r.category_id, type: r.type, optionsCount: r.options_count, statedDifficulty: r.difficulty };
    if (r.rating !== null) out.items[r.id] = { questionId: r.id, difficulty: r.rating, answers: r.answer_count, info: r.rating_info };
    if (r.review !== null) out.reviews[r.id] = r.review as ReviewState;
  }
  return out;
}

/** The answered questions joined to the learner's review states (the columns of AnsweredRow), for `ids`. */
const answeredQuestionsFrom = (userId: string, ids: readonly string[]) => sql`
  questions q LEFT JOIN review_states rs ON rs.question_id = q.id AND rs.user_id = ${userId}
  WHERE q.id = ANY(${ids}::text[])`;
const answeredColumns = sql`q.id, q.category_id, q.type, q.difficulty, q.rating, q.answer_count, q.rating_info,
  jsonb_array_length(q.options) AS options_count, rs.state AS review`;

/** What the learner model needs about each answered question (one statement). */
export async function loadAnsweredQuestions(trx: Db, userId: string, questionIds: string[]): Promise<AnsweredQuestions> {
  if (questionIds.length === 0) return toAnsweredQuestions([]);
  const rows = await sql<AnsweredRow>`SELECT ${answeredColumns} FROM ${answeredQuestionsFrom(userId, questionIds)}`.execute(trx);
  return toAnsweredQuestions(rows.rows);
}

/**
 * Everything the results job reads before it locks the learner, in ONE statement (one round trip
 * instead of five): the stored application of this job if any, the session, the learner, the
 * answers the session has recorded so far (in answer order, as sessionAnswers) and the questions of
 * every answer handed in (a superset of the new ones; the model looks up only those it applies).
 */
export async function loadFeedbackInputs(db: Db, input: { jobKey: string; sessionId: string; userId: string; questionIds: readonly string[] }) {
  const { jobKey, sessionId, userId, questionIds } = input;
  const row = await sql<{
    application: { result: unknown; traces: unknown } | null;
    session: { id: string; user_id: string; category_id: string | null; size: number; questions: unknown } | null;
    learner: { state: unknown; deleted_at: string | null } | null;
    recorded: Array<{ questionId: string; correct: boolean }>;
    answered: AnsweredRow[];
  }>`
    SELECT
      (SELECT json_build_object('result', result, 'traces', traces) FROM feedback_applications WHERE job_key = ${jobKey}) AS application,
      (SELECT json_build_object('id', id, 'user_id', user_id, 'category_id', category_id, 'size', size, 'questions', questions)
         FROM sessions WHERE id = ${sessionId}) AS session,
      (SELECT json_build_object('state', state, 'deleted_at', deleted_at) FROM learners WHERE user_id = ${userId}) AS learner,
      (SELECT COALESCE(json_agg(json_build_object('questionId', question_id, 'correct', correct) ORDER BY answered_at, id), '[]')
         FROM attempts WHERE session_id = ${sessionId}) AS recorded,
      (SELECT COALESCE(json_agg(a), '[]') FROM (SELECT ${answeredColumns} FROM ${answeredQuestionsFrom(userId, questionIds)}) a) AS answered
  `.execute(db);
  const r = row.rows[0]!;
  return {
    application: r.application ?? undefined,
    session: r.session ? toStoredSession(r.session) : undefined,
    learner: learnerFromJson(r.learner),
    recorded: r.recorded,
    answered: toAnsweredQuestions(r.answered),
  };
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

/** The learner model's changes from one session's new answers (saved under the learner's lock). */
export interface SessionModelWrites {
  learner: LearnerState;
  /** Each applied answer's change to its question's shared rating. */
  items: ReadonlyArray<{ questionId: string; delta: number; answers: number; info?: number }>;
  reviews: readonly ReviewState[];
}

/** The session's outcome, its completion event and the job's stored application (its result and traces). */
export interface SessionOutcomeWrites {
  flowBand: { low: number; high: number };
  /** The completion event's id and time (`session-completed`, recorded once the session is complete). */
  completedEvent: { eventId: string; occurredAt: string };
  jobKey: string;
  /** The job's result without `successRate` and `flowAchieved`, which the outcome fills in. */
  result: Record<string, unknown>;
  traces: unknown[];
}

export interface SessionOutcome {
  successRate: number;
  flowAchieved: boolean;
  completed: boolean;
  /** This call completed the session (counted once, not again by later answers or replays). */
  justCompleted: boolean;
  answered: number;
  correct: number;
}

/**
 * The results job's writes under the learner's lock, in ONE statement (data-modifying CTEs): the
 * learner's model, the items' ratings, the review states, the session's outcome, the completion
 * event and the stored application. Either part may be left out (a re-plan must see the review
 * states written before it composes, and its trace belongs to the application: it writes `model`,
 * re-plans, then writes `outcome`). Returns the outcome when `outcome` was given and the session
 * has answers.
 *
 * DANGER — one snapshot: every CTE sees the database as it was when the statement started, not
 * each other's writes. That is why the attempts (the idempotency key, lockLearnerAndRecordAnswers) are
 * inserted by an earlier statement: the outcome counts them. No CTE here reads what another writes
 * except through RETURNING (`outcome` feeds the event and the application).
 */
export async function writeSessionResults(
  trx: Db,
  ids: { userId: string; sessionId: string },
  now: Date,
  model: SessionModelWrites | undefined,
  outcome: SessionOutcomeWrites | undefined,
): Promise<SessionOutcome | undefined> {
  const { userId, sessionId } = ids;
  const ctes: RawBuilder<unknown>[] = [];
  if (model) {
    const { learner } = model;
    ctes.push(sql`learner_saved AS (
      UPDATE learners SET state = ${JSON.stringify(learner)}::jsonb, skill = ${learner.skill}, level = ${skillToLevel(learner.skill)},
             comeback_mode = ${learner.comebackMode}, updated_at = ${now}
       WHERE user_id = ${userId} AND deleted_at IS NULL RETURNING 1)`);
    if (model.items.length > 0) {
      // Item ratings are shared by every learner, so concurrent feedback jobs for different
      // learners may update one question at once. Applying the change as a delta (rating + Δ)
      // instead of writing the value read earlier keeps both updates; the learner's row lock does
      // not cover questions. DANGER — deadlocks: two sessions updating overlapping questions must
      // lock them in the same order, so the rows are locked first in id order (FOR UPDATE over a
      // sort locks as the sorted rows come out), and only then updated by delta.
      const merged = new Map<string, { delta: number; answers: number; info: number }>();
      for (const c of model.items) {
        const m = merged.get(c.questionId) ?? { delta: 0, answers: 0, info: 0 };
        merged.set(c.questionId, { delta: m.delta + c.delta, answers: m.answers + c.answers, info: m.info + (c.info ?? 0) });
      }
      const qids = [...merged.keys()];
      ctes.push(sql`item_locked AS (SELECT id FROM questions WHERE id = ANY(${qids}::text[]) ORDER BY id FOR UPDATE)`);
      ctes.push(sql`items_saved AS (
        UPDATE questions q
           SET rating = COALESCE(q.rating, 0) + c.delta, answer_count = q.answer_count + c.answers, rating_info = q.rating_info + c.info
          FROM unnest(${qids}::text[], ${qids.map((id) => merged.get(id)!.delta)}::float8[], ${qids.map((id) => merged.get(id)!.answers)}::int[],
                      ${qids.map((id) => merged.get(id)!.info)}::float8[]) AS c(id, delta, answers, info)
         WHERE q.id = c.id AND q.id IN (SELECT id FROM item_locked) RETURNING 1)`);
    }
    if (model.reviews.length > 0) {
      const rs = model.reviews;
      ctes.push(sql`reviews_saved AS (
        INSERT INTO review_states (user_id, question_id, algorithm, state, due_at, last_reviewed_at, updated_at)
        SELECT ${userId}, r.question_id, r.algorithm, r.state::jsonb, r.due_at, r.last_reviewed_at, ${now}
          FROM unnest(${rs.map((r) => r.questionId)}::text[], ${rs.map((r) => r.algorithm)}::text[], ${rs.map((r) => JSON.stringify(r))}::text[],
                      ${rs.map((r) => new Date(r.dueAt).toISOString())}::timestamptz[],
                      ${rs.map((r) => (r.lastReviewedAt === null ? null : new Date(r.lastReviewedAt).toISOString()))}::timestamptz[])
               AS r(question_id, algorithm, state, due_at, last_reviewed_at)
        ON CONFLICT (user_id, question_id) DO UPDATE
           SET algorithm = excluded.algorithm, state = excluded.state, due_at = excluded.due_at,
               last_reviewed_at = excluded.last_reviewed_at, updated_at = excluded.updated_at
        RETURNING 1)`);
    }
  }
  if (outcome) {
    const { low, high } = outcome.flowBand;
    // The session's outcome over every answer it has received so far (a session may be handed in
    // in parts): flow state = success rate within the band; completed once every question is
    // answered. A session without answers is left as it is.
    ctes.push(sql`stats AS (
      SELECT count(*)::int AS answered, (count(*) FILTER (WHERE correct))::int AS correct FROM attempts WHERE session_id = ${sessionId})`);
    // The row as it was before this statement: was the session still open?
    ctes.push(sql`prev AS (SELECT completed_at IS NULL AS was_open FROM sessions WHERE id = ${sessionId})`);
    ctes.push(sql`outcome AS (
      UPDATE sessions s
         SET success_rate = stats.correct::float8 / stats.answered,
             flow_achieved = stats.correct::float8 / stats.answered BETWEEN ${low}::float8 AND ${high}::float8,
             status = CASE WHEN stats.answered >= s.size THEN 'completed' ELSE s.status END,
             completed_at = CASE WHEN stats.answered >= s.size THEN COALESCE(s.completed_at, ${now}) ELSE s.completed_at END
        FROM stats, prev
       WHERE s.id = ${sessionId} AND stats.answered > 0
      RETURNING stats.answered, stats.correct, s.flow_achieved, s.success_rate, stats.answered >= s.size AS completed,
                (stats.answered >= s.size AND prev.was_open) AS just_completed)`);
    // Recorded with every application once the session is complete; the event id makes it once.
    ctes.push(sql`event_saved AS (
      INSERT INTO analytics_events (event_id, kind, user_id, session_id, payload, occurred_at)
      SELECT ${outcome.completedEvent.eventId}, 'session-completed', ${userId}, ${sessionId},
             jsonb_build_object('successRate', o.success_rate, 'flowAchieved', o.flow_achieved, 'answers', o.answered, 'correct', o.correct),
             ${outcome.completedEvent.occurredAt}::timestamptz
        FROM outcome o WHERE o.completed
      ON CONFLICT (event_id) DO NOTHING RETURNING 1)`);
    ctes.push(sql`application_saved AS (
      INSERT INTO feedback_applications (job_key, session_id, user_id, result, traces)
      SELECT ${outcome.jobKey}, ${sessionId}, ${userId},
             ${JSON.stringify(outcome.result)}::jsonb
               || jsonb_build_object('successRate', COALESCE(o.success_rate, 0), 'flowAchieved', COALESCE(o.flow_achieved, false)),
             ${JSON.stringify(outcome.traces)}::jsonb
        FROM (SELECT 1) one LEFT JOIN outcome o ON true
      ON CONFLICT (job_key) DO NOTHING RETURNING 1)`);
  }
  if (ctes.length === 0) return undefined;
  const rows = await sql<{ answered: number; correct: number; flow_achieved: boolean; success_rate: number; completed: boolean; just_completed: boolean }>`
    WITH ${sql.join(ctes, sql`, `)}
    ${outcome ? sql`SELECT * FROM outcome` : sql`SELECT NULL WHERE false`}`.execute(trx);
  const o = rows.rows[0];
  if (!o) return undefined;
  return { successRate: o.success_rate, flowAchieved: o.flow_achieved, completed: o.completed, justCompleted: o.just_completed, answered: o.answered, correct: o.correct };
}
