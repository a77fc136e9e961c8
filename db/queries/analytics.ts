import { sql } from 'kysely';
import type { AnalyticsEvent } from '../../core/contracts/analytics-events.js';
import type { DailyRollup } from '../../core/contracts/maintenance-contracts.js';
import type { Db } from '../database.js';
import { calibrationReport, statsFromBuckets, type CalibrationBucket, type CalibrationReport } from '../../core/metrics/calibration.js';

/**
 * Stores analytics events; returns how many were new. Idempotent: the unique `event_id` makes a
 * re-emitted event (a retried job) a no-op, so callers may simply emit again on every attempt.
 * Build events with the contract in core/contracts/analytics-events.ts (kinds, payloads, ids).
 */
export async function recordAnalyticsEvents(db: Db, events: readonly AnalyticsEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const result = await db
    .insertInto('analytics_events')
    .values(
      events.map((e) => ({
        event_id: e.eventId,
        kind: e.kind,
        user_id: e.userId ?? null,
        session_id: e.sessionId ?? null,
        payload: JSON.stringify(e.payload),
        occurred_at: e.occurredAt,
      })),
    )
    .onConflict((oc) => oc.column('event_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

interface DailyRow {
  day: string;
  active_learners: number;
  sessions: number;
  completed_sessions: number;
  completion_rate: number;
  mean_accuracy: number | null;
  flow_rate: number | null;
  validations_by_level: Record<string, number>;
}

function toDailyRollup(row: DailyRow): DailyRollup {
  return {
    day: row.day,
    activeLearners: row.active_learners,
    sessions: row.sessions,
    completedSessions: row.completed_sessions,
    completionRate: row.completion_rate,
    meanAccuracy: row.mean_accuracy,
    flowRate: row.flow_rate,
    validationsByLevel: row.validations_by_level,
  };
}

/**
 * Computes one UTC day (YYYY-MM-DD) of analytics and upserts its analytics_daily row; returns it.
 * Idempotent: a re-run over the same data writes the same row (only computed_at moves).
 *
 * Sources: the authoritative tables first (sessions, attempts, question_validations); analytics
 * events (live and archived) only for an entity the table does not hold — e.g. a session already
 * purged by retention — or for a fact its row lacks (COALESCE). Definitions:
 * - sessions: sessions generated on the day;
 * - completed_sessions / completion_rate: of those, the ones completed before the day ended;
 * - mean_accuracy: correct / all answers given on the day (null without answers);
 * - flow_rate: share of the sessions completed on the day whose success rate was in the flow
 *   band (null when none completed);
 * - active_learners: distinct learners who got a session, completed one or answered that day;
 * - validations_by_level: question validations stored that day, counted by Bloom level.
 */
export async function rollupDay(db: Db, day: string): Promise<DailyRollup> {
  const { rows } = await sql<DailyRow>`
    WITH bounds AS (
      SELECT (${day}::date)::timestamp AT TIME ZONE 'UTC' AS lo,
             (${day}::date + 1)::timestamp AT TIME ZONE 'UTC' AS hi
    ),
    events AS (
      -- UNION, not UNION ALL: an event caught between the live and archive tables counts once.
      SELECT e.event_id, e.kind, e.user_id, e.session_id, e.payload FROM analytics_events e, bounds b
        WHERE e.kind IN ('session-generated', 'session-completed', 'question-validated')
          AND e.occurred_at >= b.lo AND e.occurred_at < b.hi
      UNION
      SELECT a.event_id, a.kind, a.user_id, a.session_id, a.payload FROM analytics_events_archive a, bounds b
        WHERE a.kind IN ('session-generated', 'session-completed', 'question-validated')
          AND a.occurred_at >= b.lo AND a.occurred_at < b.hi
    ),
    completed_events AS (
      SELECT DISTINCT ON (session_id) session_id, user_id, payload FROM events
        WHERE kind = 'session-completed' AND session_id IS NOT NULL
        ORDER BY session_id, event_id
    ),
    generated AS (
      SELECT s.id AS session_id, s.user_id,
             (s.completed_at IS NOT NULL AND s.completed_at < b.hi)
               OR EXISTS (SELECT 1 FROM completed_events c WHERE c.session_id = s.id) AS completed
        FROM sessions s, bounds b WHERE s.created_at >= b.lo AND s.created_at < b.hi
      UNION ALL
      SELECT DISTINCT ON (e.session_id) e.session_id, e.user_id,
             EXISTS (SELECT 1 FROM completed_events c WHERE c.session_id = e.session_id) AS completed
        FROM events e
        WHERE e.kind = 'session-generated' AND e.session_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = e.session_id)
    ),
    completed AS (
      SELECT s.id AS session_id, s.user_id, COALESCE(s.flow_achieved, (c.payload->>'flowAchieved')::boolean) AS flow
        FROM sessions s CROSS JOIN bounds b LEFT JOIN completed_events c ON c.session_id = s.id
        WHERE s.completed_at >= b.lo AND s.completed_at < b.hi
      UNION ALL
      SELECT c.session_id, c.user_id, (c.payload->>'flowAchieved')::boolean
        FROM completed_events c
        WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = c.session_id AND s.completed_at IS NOT NULL)
    ),
    answers AS (
      SELECT a.user_id, count(*)::int AS answers, (count(*) FILTER (WHERE a.correct))::int AS correct
        FROM attempts a, bounds b WHERE a.answered_at >= b.lo AND a.answered_at < b.hi
        GROUP BY a.session_id, a.user_id
      UNION ALL
      SELECT c.user_id, (c.payload->>'answers')::int, (c.payload->>'correct')::int
        FROM completed_events c
        WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.session_id = c.session_id)
    ),
    validations AS (
      SELECT v.level FROM question_validations v, bounds b WHERE v.created_at >= b.lo AND v.created_at < b.hi
      UNION ALL
      SELECT e.payload->>'level' FROM events e
        WHERE e.kind = 'question-validated'
          AND NOT EXISTS (SELECT 1 FROM question_validations v
                          WHERE v.question_id = e.payload->>'questionId'
                            AND v.model_version = e.payload->>'modelVersion'
                            AND v.content_hash = e.payload->>'contentHash')
    ),
    figures AS (
      SELECT
        (SELECT count(DISTINCT user_id) FROM (
           SELECT user_id FROM generated UNION SELECT user_id FROM completed UNION SELECT user_id FROM answers
         ) u WHERE user_id IS NOT NULL)::int AS active_learners,
        (SELECT count(*) FROM generated)::int AS sessions,
        (SELECT count(*) FILTER (WHERE completed) FROM generated)::int AS completed_sessions,
        (SELECT sum(correct)::float8 / NULLIF(sum(answers), 0) FROM answers) AS mean_accuracy,
        (SELECT (count(*) FILTER (WHERE flow))::float8 / NULLIF(count(*), 0) FROM completed) AS flow_rate,
        (SELECT COALESCE(jsonb_object_agg(level, n), '{}'::jsonb)
           FROM (SELECT level, count(*)::int AS n FROM validations WHERE level IS NOT NULL GROUP BY level) l) AS validations_by_level
    )
    INSERT INTO analytics_daily AS d
      (day, active_learners, sessions, completed_sessions, completion_rate, mean_accuracy, flow_rate, validations_by_level, computed_at)
    SELECT ${day}::date, active_learners, sessions, completed_sessions,
           CASE WHEN sessions = 0 THEN 0 ELSE completed_sessions::float8 / sessions END,
           mean_accuracy, flow_rate, validations_by_level, now()
      FROM figures
    ON CONFLICT (day) DO UPDATE SET
      active_learners = excluded.active_learners, sessions = excluded.sessions,
      completed_sessions = excluded.completed_sessions, completion_rate = excluded.completion_rate,
      mean_accuracy = excluded.mean_accuracy, flow_rate = excluded.flow_rate,
      validations_by_level = excluded.validations_by_level, computed_at = excluded.computed_at
    RETURNING d.day::text AS day, d.active_learners, d.sessions, d.completed_sessions, d.completion_rate,
              d.mean_accuracy, d.flow_rate, d.validations_by_level`.execute(db);
  return toDailyRollup(rows[0]!);
}

/** Stored roll-ups for the days from..to (inclusive, YYYY-MM-DD), oldest first. */
export async function listDailyRollups(db: Db, from: string, to: string): Promise<DailyRollup[]> {
  const { rows } = await sql<DailyRow>`
    SELECT day::text AS day, active_learners, sessions, completed_sessions, completion_rate, mean_accuracy,
           flow_rate, validations_by_level
      FROM analytics_daily WHERE day >= ${from}::date AND day <= ${to}::date ORDER BY day`.execute(db);
  return rows.map(toDailyRollup);
}

export interface DailyCalibration extends CalibrationReport {
  day: string;
}

/**
 * Predicted vs observed success of the answers given from..to (UTC days, inclusive), per day:
 * every answer stored with the prediction of its pick (attempts.predicted) counts once. The
 * database groups them into 100 buckets of p per day, so the metrics cost one small result set
 * whatever the number of answers (core/metrics/calibration.ts).
 */
export async function calibrationByDay(db: Db, from: string, to: string): Promise<{ days: DailyCalibration[]; overall: CalibrationReport }> {
  const { rows } = await sql<{ day: string; bucket: number; n: number; sum_p: number; correct: number; sum_log_loss: number; sum_brier: number }>`
    WITH a AS (
      SELECT (answered_at AT TIME ZONE 'UTC')::date AS day, LEAST(1 - 1e-6, GREATEST(1e-6, predicted)) AS p, correct
        FROM attempts
        WHERE predicted IS NOT NULL
          AND answered_at >= (${from}::date)::timestamp AT TIME ZONE 'UTC'
          AND answered_at < (${to}::date + 1)::timestamp AT TIME ZONE 'UTC'
    )
    SELECT day::text AS day, LEAST(99, floor(p * 100))::int AS bucket, count(*)::int AS n, sum(p)::float8 AS sum_p,
           (count(*) FILTER (WHERE correct))::int AS correct,
           sum(CASE WHEN correct THEN -ln(p) ELSE -ln(1 - p) END)::float8 AS sum_log_loss,
           sum(power(p - CASE WHEN correct THEN 1 ELSE 0 END, 2))::float8 AS sum_brier
      FROM a GROUP BY day, bucket ORDER BY day, bucket`.execute(db);
  const byDay = new Map<string, CalibrationBucket[]>();
  for (const r of rows) {
    const list = byDay.get(r.day) ?? [];
    list.push({ bucket: r.bucket, n: r.n, sumP: r.sum_p, correct: r.correct, sumLogLoss: r.sum_log_loss, sumBrier: r.sum_brier });
    byDay.set(r.day, list);
  }
  return {
    days: [...byDay].map(([day, buckets]) => ({ day, ...calibrationReport(statsFromBuckets(buckets)) })),
    overall: calibrationReport(statsFromBuckets([...byDay.values()].flat())),
  };
}

/** Stores a day's calibration figures in its analytics_daily row (after rollupDay wrote it). */
export async function storeDailyCalibration(db: Db, day: string, report: CalibrationReport | null): Promise<void> {
  await db
    .updateTable('analytics_daily')
    .set({ calibration: report ? JSON.stringify(report) : null })
    .where('day', '=', day)
    .execute();
}
