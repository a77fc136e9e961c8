import { sql } from 'kysely';
import type { Db } from '../database.js';

/**
 * The alert signals that live in PostgreSQL, over a window ending now. A window with fewer than
 * `minSamples` rows gives no figure (undefined): three sessions are too few to call a flow-state
 * rate low, and the rules read "no sample" as "no breach".
 */
export async function readOutcomeSignals(db: Db, options: { since: Date; minSamples?: number }) {
  const min = options.minSamples ?? 5;
  const { rows } = await sql<{ sessions: number; flow: number | null; validations: number; confidence: number | null; passed: number | null; labelled: number; agreed: number | null }>`
    SELECT
      (SELECT count(*)::int FROM sessions WHERE completed_at >= ${options.since} AND flow_achieved IS NOT NULL) AS sessions,
      (SELECT avg(CASE WHEN flow_achieved THEN 1.0 ELSE 0.0 END)::float8 FROM sessions
         WHERE completed_at >= ${options.since} AND flow_achieved IS NOT NULL) AS flow,
      (SELECT count(*)::int FROM question_validations WHERE created_at >= ${options.since}) AS validations,
      (SELECT avg(confidence)::float8 FROM question_validations WHERE created_at >= ${options.since}) AS confidence,
      (SELECT avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END)::float8 FROM question_validations WHERE created_at >= ${options.since}) AS passed,
      (SELECT count(*)::int FROM question_validations
         WHERE created_at >= ${options.since} AND evidence->>'intendedLevel' IS NOT NULL) AS labelled,
      (SELECT avg(CASE WHEN level = evidence->>'intendedLevel' THEN 1.0 ELSE 0.0 END)::float8 FROM question_validations
         WHERE created_at >= ${options.since} AND evidence->>'intendedLevel' IS NOT NULL) AS agreed
  `.execute(db);
  const r = rows[0]!;
  return {
    completedSessions: r.sessions,
    flowStateRate: r.sessions >= min && r.flow !== null ? r.flow : undefined,
    validations: r.validations,
    validationConfidenceMean: r.validations >= min && r.confidence !== null ? r.confidence : undefined,
    validationPassRate: r.validations >= min && r.passed !== null ? r.passed : undefined,
    /** Agreement with the author's intended level, over the validations that carried one. */
    validationAccuracy: r.labelled >= min && r.agreed !== null ? r.agreed : undefined,
  };
}
