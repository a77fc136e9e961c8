import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DecisionTrace } from '../../core/contracts/decision-trace.js';
import { isStorableText } from '../../core/contracts/identifiers.js';
import { type Db, PREPARED, poolOf } from '../database.js';
import { anyLearnerErased, learnerNotErased } from './learner-erasure.js';

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
  const { rows } = await sql<{ decision_id: string }>`${PREPARED}
    INSERT INTO decision_insights (decision_id, kind, user_id, session_id, created_at, inputs, outputs, model_version)
    SELECT t."decisionId", t.kind, t."userId", t."sessionId", t."createdAt", t.inputs, t.outputs, t."modelVersion"
      FROM jsonb_to_recordset(${tracesJson}::jsonb) AS t("decisionId" text, kind text, "userId" text, "sessionId" text,
                                                        "createdAt" timestamptz, inputs jsonb, outputs jsonb, "modelVersion" text)
     WHERE ${learnerNotErased('t.userId')}
    ON CONFLICT DO NOTHING
    RETURNING decision_id`.execute(db);
  return new Set(rows.map((r) => r.decision_id));
}

/** The columns every decision-insight COPY fills, in the order of decisionInsightCopyRows' fields. */
export const DECISION_INSIGHT_COPY_COLUMNS = 'decision_id, kind, user_id, session_id, created_at, inputs, outputs, model_version';

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One COPY text-format field: backslash, tab, newline and carriage return escaped; absent is \N. */
export function copyField(value: string | undefined): string {
  if (value === undefined) return '\\N';
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]!) : value;
}

/**
 * The traces as COPY text rows (DECISION_INSIGHT_COPY_COLUMNS), or undefined when a text field
 * holds what Postgres cannot store (NUL, a lone surrogate): COPY would store a lone surrogate as
 * U+FFFD where the INSERT path refuses the trace as data, so such a batch goes the INSERT way.
 */
export function decisionInsightCopyRows(traces: readonly DecisionTrace[]): string | undefined {
  let text = '';
  for (const t of traces) {
    if (!isStorableText(t.kind) || !isStorableText(t.modelVersion)) return undefined;
    text +=
      `${copyField(t.decisionId)}\t${copyField(t.kind)}\t${copyField(t.userId)}\t${copyField(t.sessionId)}\t${copyField(t.createdAt)}\t` +
      `${copyField(JSON.stringify(t.inputs))}\t${copyField(JSON.stringify(t.outputs))}\t${copyField(t.modelVersion)}\n`;
  }
  return text;
}

/** SQLSTATE unique_violation: a row of the COPY was stored before. */
const UNIQUE_VIOLATION = '23505';

/**
 * The same write as insertDecisionInsights — idempotent on the primary key, nothing stored about
 * an erased learner, the inserted decision ids returned — by COPY straight into the table, which
 * costs Postgres about 40% less CPU per row than the jsonb_to_recordset INSERT (bench/README.md).
 * COPY has no ON CONFLICT and no WHERE with a sub-query, so it is only the fast path of the common
 * case, and insertDecisionInsights does the write whenever that case does not hold:
 * - a learner of the batch is erased (checked just before, as the INSERT's NOT EXISTS checks its
 *   own snapshot: an erasure committing meanwhile is no more seen by one than by the other);
 * - a text field Postgres cannot store (decisionInsightCopyRows), so the INSERT refuses it;
 * - the COPY hits a stored row (a retry, a re-sent trace, one trace twice in the batch): COPY is
 *   one statement, so it stored nothing, and the INSERT … ON CONFLICT DO NOTHING stores the rest.
 * Any other error is thrown as the INSERT would throw it (a data error fails the COPY whole; the
 * writer's poison-row isolation then writes the traces one by one).
 */
export async function copyDecisionInsights(db: Db, traces: readonly DecisionTrace[]): Promise<Set<string>> {
  if (traces.length === 0) return new Set();
  const userIds = new Set<string>();
  for (const t of traces) if (t.userId !== undefined) userIds.add(t.userId);
  const rows = decisionInsightCopyRows(traces);
  if (rows === undefined || (await anyLearnerErased(db, [...userIds]))) return insertDecisionInsights(db, traces);
  const client = await poolOf(db).connect();
  try {
    await pipeline(Readable.from([rows]), client.query(copyFrom(`COPY decision_insights (${DECISION_INSIGHT_COPY_COLUMNS}) FROM STDIN`)));
  } catch (error) {
    // Postgres refused the COPY (an ErrorResponse): the connection is fine. Anything else (a
    // socket error, a timeout) may have left it mid-COPY, so it is discarded, not pooled again.
    const refused = error instanceof pg.DatabaseError;
    client.release(refused ? undefined : (error as Error));
    if (!refused || error.code !== UNIQUE_VIOLATION) throw error;
    return insertDecisionInsights(db, traces);
  }
  client.release();
  return new Set(traces.map((t) => t.decisionId));
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

/** A stored row in the decision-trace shape (core/contracts/decision-trace.ts). */
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
