import { sql } from 'kysely';
import type { DecisionTrace } from '../../core/contracts/decision-trace.js';
import type { Db } from '../database.js';
import { learnerNotErased } from './learner-erasure.js';

/**
 * Writes a batch of decision traces in ONE statement and returns the decision ids it inserted.
 * Idempotent: the primary key (decision_id, created_at) turns a trace stored before — by an
 * earlier attempt, a re-sent job or a duplicate in this very batch — into a no-op. A trace about
 * an erased learner (GDPR) is not stored: no new data about them once they asked to be forgotten.
 *
 * The batch travels as one JSON array parameter, in the trace shape, unpacked server-side by
 * jsonb_to_recordset: one parse, no per-row parameters (no 65 535 ceiling), the same statement
 * whatever the batch size. `tracesJson` lets a caller that already serialised the traces (the
 * writer, for the cache) pass that text instead of serialising twice.
 */
export async function insertDecisionInsights(
  db: Db,
  traces: readonly DecisionTrace[],
  tracesJson: string = JSON.stringify(traces),
): Promise<Set<string>> {
  if (traces.length === 0) return new Set();
  const { rows } = await sql<{ decision_id: string }>`
    INSERT INTO decision_insights (decision_id, kind, user_id, session_id, created_at, inputs, outputs, model_version)
    SELECT t."decisionId", t.kind, t."userId", t."sessionId", t."createdAt", t.inputs, t.outputs, t."modelVersion"
      FROM jsonb_to_recordset(${tracesJson}::jsonb) AS t("decisionId" text, kind text, "userId" text, "sessionId" text,
                                                        "createdAt" timestamptz, inputs jsonb, outputs jsonb, "modelVersion" text)
     WHERE ${learnerNotErased('t.userId')}
    ON CONFLICT DO NOTHING
    RETURNING decision_id`.execute(db);
  return new Set(rows.map((r) => r.decision_id));
}

type InsightRow = {
  decision_id: string;
  kind: string;
  user_id: string | null;
  session_id: string | null;
  created_at: Date;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  model_version: string;
};

/** A stored row in the decision-trace shape of DESIGN.md. */
export function toDecisionTrace(row: InsightRow): DecisionTrace {
  return {
    decisionId: row.decision_id,
    kind: row.kind,
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
    createdAt: row.created_at.toISOString(),
    inputs: row.inputs,
    outputs: row.outputs,
    modelVersion: row.model_version,
  };
}

/**
 * One trace by decision id, or undefined (also when its learner has been erased). Decision ids
 * are unique by contract; should a producer break it (same id, two createdAt values) the
 * first-made decision is the answer.
 */
export async function findDecisionInsight(db: Db, decisionId: string): Promise<DecisionTrace | undefined> {
  const row = await db
    .selectFrom('decision_insights')
    .selectAll()
    .where('decision_id', '=', decisionId)
    .where(learnerNotErased('decision_insights.user_id'))
    .orderBy('created_at', 'asc')
    .limit(1)
    .executeTakeFirst();
  return row && toDecisionTrace(row);
}

/** Keyset position: the exact created_at (ISO 8601 UTC with microseconds, YYYY-MM-DDTHH:MM:SS.ffffffZ) and id of the last row seen. */
export interface InsightKeyset {
  createdAt: string;
  decisionId: string;
}

/**
 * A learner's traces, newest first, `limit` at a time after `after` (exclusive). Served by
 * decision_insights_user_idx (user_id, created_at DESC, decision_id DESC) in index order.
 * `next` is the keyset of the last row when more rows may follow.
 */
export async function listUserDecisionInsights(
  db: Db,
  userId: string,
  options: { limit: number; after?: InsightKeyset },
): Promise<{ items: DecisionTrace[]; next?: InsightKeyset }> {
  const { limit, after } = options;
  let query = db
    .selectFrom('decision_insights')
    .selectAll()
    // The cursor keeps Postgres' own text form: a JS Date would drop the microseconds and the
    // next page could repeat or skip rows that share a millisecond.
    .select(sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('created_at_exact'))
    .where('user_id', '=', userId)
    .where(learnerNotErased('decision_insights.user_id'));
  if (after) {
    query = query.where(sql<boolean>`(created_at, decision_id) < (${after.createdAt}::timestamptz, ${after.decisionId})`);
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('decision_id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toDecisionTrace),
    next: rows.length > limit && last ? { createdAt: last.created_at_exact, decisionId: last.decision_id } : undefined,
  };
}

/** The decision ids stored for a learner, for evicting them from the read cache on erasure. */
export async function listDecisionIdsOfLearner(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('decision_insights').select('decision_id').where('user_id', '=', userId).execute();
  return [...new Set(rows.map((r) => r.decision_id))];
}

/** A session's decision traces, oldest first (`learnloop analyze session`); none for an erased learner. */
export async function listSessionDecisionInsights(db: Db, sessionId: string, limit = 1_000): Promise<DecisionTrace[]> {
  const rows = await db
    .selectFrom('decision_insights')
    .selectAll()
    .where('session_id', '=', sessionId)
    .where(learnerNotErased('decision_insights.user_id'))
    .orderBy('created_at', 'asc')
    .orderBy('decision_id', 'asc')
    .limit(limit)
    .execute();
  return rows.map(toDecisionTrace);
}
