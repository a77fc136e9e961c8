import { type RawBuilder, sql } from 'kysely';
import type { QuestionMeta } from '../../core/feedback/apply-session-results.js';
import type { ItemState, LearnerState } from '../../core/learner/learner-state.js';
import { skillToLevel } from '../../core/learner/level.js';
import type { ReviewState } from '../../core/scheduling/review-state.js';
import { type Db, PREPARED } from '../database.js';
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

/** One session's answers for lockLearnersAndRecordAnswers. */
export interface SessionAnswers {
  sessionId: string;
  userId: string;
  answers: readonly AnswerRow[];
}

/**
 * Locks the learners' rows for the rest of the transaction (so two feedback jobs for one learner
 * apply one after the other) and records the answers once per (session, question), in ONE
 * statement for any number of sessions (a batch, feedback-batcher.ts, or one session). Returns,
 * per session in order, its learner as locked and the question ids that were new: this is the
 * feedback loop's idempotency key — only the answers returned here are applied, so a
 * resubmission or a retried job changes nothing twice.
 *
 * DANGER — order: every learner is locked, in user id order, before any answer is inserted (the
 * one-time filter over `locked` runs first): which answers are new is decided one job of a
 * learner at a time, and two batches lock shared learners in the same order, so they cannot
 * deadlock (item ratings come after, also in id order: writeSessionResults). An erased learner (or
 * one without a row: status 'unknown', the caller creates it with insertLearnersIfMissing) gets
 * nothing inserted. One learner may appear in several sessions only if they are one session
 * (the batcher keeps a learner's sessions apart).
 */
export async function lockLearnersAndRecordAnswers(trx: Db, sessions: readonly SessionAnswers[]): Promise<Array<{ learner: LearnerRead; fresh: Set<string> }>> {
  const rows = sessions.flatMap((s) => s.answers.map((a) => ({ s, a })));
  const result = await sql<{ learner: { state: unknown; deleted_at: string | null } | null; fresh: string[] }>`${PREPARED}
    WITH locked AS (
      SELECT user_id, state, deleted_at FROM learners WHERE user_id = ANY(${sessions.map((s) => s.userId)}::text[]) ORDER BY user_id FOR UPDATE),
    inserted AS (
      INSERT INTO attempts (session_id, user_id, question_id, correct, response_ms, answered_at, predicted)
      SELECT a.session_id, a.user_id, a.question_id, a.correct, a.response_ms, a.answered_at, a.predicted
        FROM unnest(${rows.map((r) => r.s.sessionId)}::text[], ${rows.map((r) => r.s.userId)}::text[],
                    ${rows.map((r) => r.a.questionId)}::text[], ${rows.map((r) => r.a.correct)}::bool[],
                    ${rows.map((r) => r.a.responseMs ?? null)}::int[], ${rows.map((r) => r.a.answeredAt.toISOString())}::timestamptz[],
                    ${rows.map((r) => r.a.predicted ?? null)}::float8[])
             WITH ORDINALITY AS a(session_id, user_id, question_id, correct, response_ms, answered_at, predicted, n)
       WHERE (SELECT count(*) FROM locked) >= 0
         AND a.user_id IN (SELECT user_id FROM locked WHERE deleted_at IS NULL)
       -- In answer order, as the ids order answers with the same time (sessionAnswers).
       ORDER BY a.n
      ON CONFLICT (session_id, question_id) DO NOTHING
      RETURNING session_id, question_id)
    SELECT (SELECT json_build_object('state', l.state, 'deleted_at', l.deleted_at) FROM locked l WHERE l.user_id = s.user_id) AS learner,
           (SELECT COALESCE(json_agg(i.question_id), '[]') FROM inserted i WHERE i.session_id = s.session_id) AS fresh
      FROM unnest(${sessions.map((s) => s.sessionId)}::text[], ${sessions.map((s) => s.userId)}::text[]) WITH ORDINALITY AS s(session_id, user_id, n)
     ORDER BY s.n
  `.execute(trx);
  return result.rows.map((r) => ({ learner: learnerFromJson(r.learner), fresh: new Set(r.fresh) }));
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
  /** The stored counters of questions not rated yet (no `items` entry): a batch's earlier sessions add to them (withItemChanges). */
  unrated: Record<string, { answers: number; info: number }>;
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
  const out: AnsweredQuestions = { questions: {}, items: {}, reviews: {}, unrated: {} };
  for (const r of rows) {
    out.questions[r.id] = { categoryId: r.category_id, type: r.type, optionsCount: r.options_count, statedDifficulty: r.difficulty };
    if (r.rating !== null) out.items[r.id] = { questionId: r.id, difficulty: r.rating, answers: r.answer_count, info: r.rating_info };
    else out.unrated[r.id] = { answers: r.answer_count, info: r.rating_info };
    if (r.review !== null) out.reviews[r.id] = r.review as ReviewState;
  }
  return out;
}

/** One session's change to a question's shared rating (summed per question by writeSessionResults). */
export interface ItemChange {
  questionId: string;
  delta: number;
  answers: number;
  info?: number;
}

/**
 * The answered questions as they read once `changes` (a batch's earlier sessions) are stored: the
 * same arithmetic as writeSessionResults' items UPDATE (rating + Δ, an unrated question from 0),
 * so a session computed after others in one batch sees what it would have read had they been
 * committed before it (the batch gives the sequential result).
 */
export function withItemChanges(answered: AnsweredQuestions, changes: ReadonlyMap<string, Required<Omit<ItemChange, 'questionId'>>>): AnsweredQuestions {
  if (changes.size === 0) return answered;
  const items = { ...answered.items };
  for (const id of Object.keys(answered.questions)) {
    const c = changes.get(id);
    if (!c) continue;
    const base = items[id] ?? { questionId: id, difficulty: 0, answers: answered.unrated[id]?.answers ?? 0, info: answered.unrated[id]?.info ?? 0 };
    items[id] = { questionId: id, difficulty: base.difficulty + c.delta, answers: base.answers + c.answers, info: (base.info ?? 0) + c.info };
  }
  return { ...answered, items };
}

/** Adds one session's item changes to a running per-question sum (in session order, as the write sums them). */
export function addItemChanges(into: Map<string, Required<Omit<ItemChange, 'questionId'>>>, changes: readonly ItemChange[]): void {
  for (const c of changes) {
    const m = into.get(c.questionId) ?? { delta: 0, answers: 0, info: 0 };
    into.set(c.questionId, { delta: m.delta + c.delta, answers: m.answers + c.answers, info: m.info + (c.info ?? 0) });
  }
}

/** The answered questions joined to the learner's review states (the columns of AnsweredRow), for `ids` (SQL expressions). */
const answeredQuestionsFrom = (userId: RawBuilder<unknown>, ids: RawBuilder<unknown>) => sql`
  questions q LEFT JOIN review_states rs ON rs.question_id = q.id AND rs.user_id = ${userId}
  WHERE q.id = ANY(${ids})`;
const answeredColumns = sql`q.id, q.category_id, q.type, q.difficulty, q.rating, q.answer_count, q.rating_info,
  jsonb_array_length(q.options) AS options_count, rs.state AS review`;

/** What the learner model needs about each answered question (one statement). */
export async function loadAnsweredQuestions(trx: Db, userId: string, questionIds: string[]): Promise<AnsweredQuestions> {
  if (questionIds.length === 0) return toAnsweredQuestions([]);
  const rows = await sql<AnsweredRow>`SELECT ${answeredColumns} FROM ${answeredQuestionsFrom(sql`${userId}`, sql`${questionIds}::text[]`)}`.execute(trx);
  return toAnsweredQuestions(rows.rows);
}

export interface FeedbackInputsRequest {
  jobKey: string;
  sessionId: string;
  userId: string;
  questionIds: readonly string[];
}

/**
 * Everything the results job reads before it locks the learner, in ONE statement (one round trip
 * instead of five) for any number of jobs (a batch, or one): per request, in order, the stored
 * application of the job if any, the session, the learner, the answers the session has recorded
 * so far (in answer order, as sessionAnswers) and the questions of every answer handed in (a
 * superset of the new ones; the model looks up only those it applies).
 */
export async function loadFeedbackInputsMany(db: Db, requests: readonly FeedbackInputsRequest[]) {
  const result = await sql<{
    application: { result: unknown; traces: unknown } | null;
    session: { id: string; user_id: string; category_id: string | null; size: number; questions: unknown } | null;
    learner: { state: unknown; deleted_at: string | null } | null;
    recorded: Array<{ questionId: string; correct: boolean }>;
    answered: AnsweredRow[];
  }>`${PREPARED}
    SELECT
      (SELECT json_build_object('result', result, 'traces', traces) FROM feedback_applications WHERE job_key = r.job_key) AS application,
      (SELECT json_build_object('id', id, 'user_id', user_id, 'category_id', category_id, 'size', size, 'questions', questions)
         FROM sessions WHERE id = r.session_id) AS session,
      (SELECT json_build_object('state', state, 'deleted_at', deleted_at) FROM learners WHERE user_id = r.user_id) AS learner,
      (SELECT COALESCE(json_agg(json_build_object('questionId', question_id, 'correct', correct) ORDER BY answered_at, id), '[]')
         FROM attempts WHERE session_id = r.session_id) AS recorded,
      (SELECT COALESCE(json_agg(a), '[]')
         FROM (SELECT ${answeredColumns} FROM ${answeredQuestionsFrom(sql`r.user_id`, sql`ARRAY(SELECT jsonb_array_elements_text(r.question_ids))`)}) a) AS answered
      FROM unnest(${requests.map((q) => q.jobKey)}::text[], ${requests.map((q) => q.sessionId)}::text[], ${requests.map((q) => q.userId)}::text[],
                  ${requests.map((q) => JSON.stringify(q.questionIds))}::jsonb[]) WITH ORDINALITY AS r(job_key, session_id, user_id, question_ids, n)
     ORDER BY r.n
  `.execute(db);
  return result.rows.map((r) => ({
    application: r.application ?? undefined,
    session: r.session ? toStoredSession(r.session) : undefined,
    learner: learnerFromJson(r.learner),
    recorded: r.recorded,
    answered: toAnsweredQuestions(r.answered),
  }));
}

export type FeedbackInputs = Awaited<ReturnType<typeof loadFeedbackInputsMany>>[number];

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
  items: readonly ItemChange[];
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

/** One session's part of writeSessionResults: either part may be left out. */
export interface SessionWrites {
  userId: string;
  sessionId: string;
  model?: SessionModelWrites;
  outcome?: SessionOutcomeWrites;
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
 * JSON documents as one jsonb parameter, a row each (for ROWS FROM beside unnest): a text[] of
 * JSON strings made pg escape every quote of every document (escapeElement), ~50 µs of a 10-answer
 * session's Node CPU (`npm run bench:profile -- --pipeline feedback`); one JSON array has nothing to escape.
 */
const jsonbElements = (values: readonly unknown[]) => sql`jsonb_array_elements(${JSON.stringify(values)}::jsonb)`;

/**
 * The results jobs' writes under the learners' locks, in ONE statement (data-modifying CTEs, one
 * multi-row statement per table) for any number of sessions (a batch, or one): the learners'
 * models, the items' ratings, the review states, the sessions' outcomes, the completion events and
 * the stored applications. Either part of a session may be left out (a re-plan must see the review
 * states written before it composes, and its trace belongs to the application: it writes `model`,
 * re-plans, then writes `outcome`). Returns, per session in order, its outcome when `outcome` was
 * given and the session has answers.
 *
 * The sessions must be of different learners (the batcher keeps a learner's sessions apart): one
 * statement cannot update a learner's row, or upsert one of its review states, twice.
 *
 * DANGER — one snapshot: every CTE sees the database as it was when the statement started, not
 * each other's writes. That is why the attempts (the idempotency key, lockLearnersAndRecordAnswers) are
 * inserted by an earlier statement: the outcome counts them. No CTE here reads what another writes
 * except through RETURNING (`outcome` feeds the events and the applications).
 */
export async function writeSessionResults(trx: Db, now: Date, sessions: readonly SessionWrites[]): Promise<Array<SessionOutcome | undefined>> {
  const ctes: RawBuilder<unknown>[] = [];
  const models = sessions.flatMap((s) => (s.model ? [{ userId: s.userId, model: s.model }] : []));
  if (models.length > 0) {
    const learners = models.map((m) => ({ userId: m.userId, learner: m.model.learner }));
    ctes.push(sql`learner_saved AS (
      UPDATE learners l SET state = c.state::jsonb, skill = c.skill, level = c.level, comeback_mode = c.comeback_mode, updated_at = ${now}
        FROM ROWS FROM (unnest(${learners.map((m) => m.userId)}::text[]), ${jsonbElements(learners.map((m) => m.learner))},
                    unnest(${learners.map((m) => m.learner.skill)}::float8[]), unnest(${learners.map((m) => skillToLevel(m.learner.skill))}::smallint[]),
                    unnest(${learners.map((m) => m.learner.comebackMode)}::bool[])) AS c(user_id, state, skill, level, comeback_mode)
       WHERE l.user_id = c.user_id AND l.deleted_at IS NULL RETURNING 1)`);
    // Item ratings are shared by every learner, so concurrent feedback jobs (and the sessions of
    // one batch) may update one question at once. Applying the change as a delta (rating + Δ)
    // instead of writing the value read earlier keeps every update; the learners' row locks do not
    // cover questions. DANGER — deadlocks: two transactions updating overlapping questions must
    // lock them in the same order, so the rows are locked first in id order (FOR UPDATE over a
    // sort locks as the sorted rows come out), and only then updated by the summed delta.
    const merged = new Map<string, { delta: number; answers: number; info: number }>();
    for (const m of models) addItemChanges(merged, m.model.items);
    if (merged.size > 0) {
      const qids = [...merged.keys()];
      ctes.push(sql`item_locked AS (SELECT id FROM questions WHERE id = ANY(${qids}::text[]) ORDER BY id FOR UPDATE)`);
      ctes.push(sql`items_saved AS (
        UPDATE questions q
           SET rating = COALESCE(q.rating, 0) + c.delta, answer_count = q.answer_count + c.answers, rating_info = q.rating_info + c.info
          FROM unnest(${qids}::text[], ${qids.map((id) => merged.get(id)!.delta)}::float8[], ${qids.map((id) => merged.get(id)!.answers)}::int[],
                      ${qids.map((id) => merged.get(id)!.info)}::float8[]) AS c(id, delta, answers, info)
         WHERE q.id = c.id AND q.id IN (SELECT id FROM item_locked) RETURNING 1)`);
    }
    const rs = models.flatMap((m) => m.model.reviews.map((r) => ({ userId: m.userId, r })));
    if (rs.length > 0) {
      ctes.push(sql`reviews_saved AS (
        INSERT INTO review_states (user_id, question_id, algorithm, state, due_at, last_reviewed_at, updated_at)
        SELECT r.user_id, r.question_id, r.algorithm, r.state::jsonb, r.due_at, r.last_reviewed_at, ${now}
          FROM ROWS FROM (unnest(${rs.map((x) => x.userId)}::text[]), unnest(${rs.map((x) => x.r.questionId)}::text[]), unnest(${rs.map((x) => x.r.algorithm)}::text[]),
                      ${jsonbElements(rs.map((x) => x.r))}, unnest(${rs.map((x) => new Date(x.r.dueAt).toISOString())}::timestamptz[]),
                      unnest(${rs.map((x) => (x.r.lastReviewedAt === null ? null : new Date(x.r.lastReviewedAt).toISOString()))}::timestamptz[]))
               AS r(user_id, question_id, algorithm, state, due_at, last_reviewed_at)
        ON CONFLICT (user_id, question_id) DO UPDATE
           SET algorithm = excluded.algorithm, state = excluded.state, due_at = excluded.due_at,
               last_reviewed_at = excluded.last_reviewed_at, updated_at = excluded.updated_at
        RETURNING 1)`);
    }
  }
  const outcomes = sessions.flatMap((s) => (s.outcome ? [{ userId: s.userId, sessionId: s.sessionId, o: s.outcome }] : []));
  if (outcomes.length > 0) {
    ctes.push(sql`batch AS (
      SELECT * FROM ROWS FROM (unnest(${outcomes.map((x) => x.sessionId)}::text[]), unnest(${outcomes.map((x) => x.userId)}::text[]),
                           unnest(${outcomes.map((x) => x.o.flowBand.low)}::float8[]), unnest(${outcomes.map((x) => x.o.flowBand.high)}::float8[]),
                           unnest(${outcomes.map((x) => x.o.completedEvent.eventId)}::text[]), unnest(${outcomes.map((x) => x.o.completedEvent.occurredAt)}::timestamptz[]),
                           unnest(${outcomes.map((x) => x.o.jobKey)}::text[]), ${jsonbElements(outcomes.map((x) => x.o.result))},
                           ${jsonbElements(outcomes.map((x) => x.o.traces))})
             AS b(session_id, user_id, low, high, event_id, occurred_at, job_key, result, traces))`);
    // Each session's outcome over every answer it has received so far (a session may be handed in
    // in parts): flow state = success rate within the band; completed once every question is
    // answered. A session without answers has no `stats` row and is left as it is.
    ctes.push(sql`stats AS (
      SELECT a.session_id, count(*)::int AS answered, (count(*) FILTER (WHERE a.correct))::int AS correct
        FROM attempts a WHERE a.session_id IN (SELECT session_id FROM batch) GROUP BY a.session_id)`);
    // The rows as they were before this statement: was the session still open?
    ctes.push(sql`prev AS (SELECT id, completed_at IS NULL AS was_open FROM sessions WHERE id IN (SELECT session_id FROM batch))`);
    ctes.push(sql`outcome AS (
      UPDATE sessions s
         SET success_rate = st.correct::float8 / st.answered,
             flow_achieved = st.correct::float8 / st.answered BETWEEN b.low AND b.high,
             status = CASE WHEN st.answered >= s.size THEN 'completed' ELSE s.status END,
             completed_at = CASE WHEN st.answered >= s.size THEN COALESCE(s.completed_at, ${now}) ELSE s.completed_at END
        FROM stats st JOIN batch b ON b.session_id = st.session_id JOIN prev p ON p.id = st.session_id
       WHERE s.id = st.session_id
      RETURNING s.id AS session_id, st.answered, st.correct, s.flow_achieved, s.success_rate, st.answered >= s.size AS completed,
                (st.answered >= s.size AND p.was_open) AS just_completed)`);
    // Recorded with every application once the session is complete; the event id makes it once.
    ctes.push(sql`event_saved AS (
      INSERT INTO analytics_events (event_id, kind, user_id, session_id, payload, occurred_at)
      SELECT b.event_id, 'session-completed', b.user_id, b.session_id,
             jsonb_build_object('successRate', o.success_rate, 'flowAchieved', o.flow_achieved, 'answers', o.answered, 'correct', o.correct),
             b.occurred_at
        FROM outcome o JOIN batch b ON b.session_id = o.session_id WHERE o.completed
      ON CONFLICT (event_id) DO NOTHING RETURNING 1)`);
    ctes.push(sql`application_saved AS (
      INSERT INTO feedback_applications (job_key, session_id, user_id, result, traces)
      SELECT b.job_key, b.session_id, b.user_id,
             b.result::jsonb || jsonb_build_object('successRate', COALESCE(o.success_rate, 0), 'flowAchieved', COALESCE(o.flow_achieved, false)),
             b.traces::jsonb
        FROM batch b LEFT JOIN outcome o ON o.session_id = b.session_id
      ON CONFLICT (job_key) DO NOTHING RETURNING 1)`);
  }
  if (ctes.length === 0) return sessions.map(() => undefined);
  const rows = await sql<{ session_id: string; answered: number; correct: number; flow_achieved: boolean; success_rate: number; completed: boolean; just_completed: boolean }>`${PREPARED}
    WITH ${sql.join(ctes, sql`, `)}
    ${outcomes.length > 0 ? sql`SELECT * FROM outcome` : sql`SELECT NULL AS session_id WHERE false`}`.execute(trx);
  const bySession = new Map(rows.rows.map((o) => [o.session_id, o]));
  return sessions.map((s) => {
    const o = s.outcome ? bySession.get(s.sessionId) : undefined;
    if (!o) return undefined;
    return { successRate: o.success_rate, flowAchieved: o.flow_achieved, completed: o.completed, justCompleted: o.just_completed, answered: o.answered, correct: o.correct };
  });
}
