import { sql } from 'kysely';
import type { ActiveAlert, AlertTransition } from '../../core/alerts/evaluate-alert-rules.js';
import { parseAlertKey } from '../../core/alerts/alert-rule.js';
import type { Db } from '../database.js';

/**
 * The alert engine's state, in the `alerts` table so every ingress instance and every evaluation
 * sees the same. `rule_id` holds the alert key (`rule` or `rule/queue`). Rows:
 * - `pending`: breaching, not yet for its rule's duration — internal state, not history;
 * - `firing`: at most one per key (partial unique index `alerts_one_firing_per_rule`);
 * - `resolved`: history, trimmed to the newest `alertHistoryLimit` rows.
 * `notified_at` is when a notification of a firing alert was last delivered.
 */
export const alertHistoryLimit = 200;

const toMs = (d: Date | string) => new Date(d).getTime();

/** Pending and firing alerts, as the state machine's input. */
export async function listActiveAlertStates(db: Db): Promise<ActiveAlert[]> {
  const rows = await db.selectFrom('alerts').selectAll().where('status', 'in', ['pending', 'firing']).execute();
  return rows.map((row) => {
    const { ruleId, labels } = parseAlertKey(row.rule_id);
    return {
      key: row.rule_id,
      ruleId,
      labels,
      status: row.status as ActiveAlert['status'],
      since: toMs(row.started_at),
      value: row.value ?? 0,
      ...(row.notified_at ? { notifiedAt: toMs(row.notified_at) } : {}),
    };
  });
}

/** Per alert key, the newest delivered notification of a resolved (earlier) episode. */
export async function lastNotifiedAtByKey(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('alerts')
    .select(['rule_id', (eb) => eb.fn.max('notified_at').as('last')])
    .where('status', '=', 'resolved')
    .where('notified_at', 'is not', null)
    .groupBy('rule_id')
    .execute();
  return Object.fromEntries(rows.filter((r) => r.last).map((r) => [r.rule_id, toMs(r.last as Date)]));
}

/** Applies one evaluation's transitions in one transaction, then trims the history. */
export async function applyAlertTransitions(db: Db, transitions: readonly AlertTransition[], now: Date): Promise<void> {
  if (transitions.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const t of transitions) {
      const key = t.alert.key;
      switch (t.type) {
        case 'pending':
          await trx
            .insertInto('alerts')
            .values({ rule_id: key, severity: t.severity, status: 'pending', value: t.alert.value, message: t.message, started_at: new Date(t.alert.since), metric: t.metric, threshold: t.threshold, operator: t.operator })
            .execute();
          break;
        case 'cleared':
          await trx.deleteFrom('alerts').where('rule_id', '=', key).where('status', '=', 'pending').execute();
          break;
        case 'fired': {
          const fields = {
            severity: t.severity,
            status: 'firing',
            value: t.alert.value,
            message: t.message,
            started_at: new Date(t.alert.since),
            notified_at: null,
            metric: t.metric,
            threshold: t.threshold,
            operator: t.operator,
          };
          const promoted = await trx.updateTable('alerts').set(fields).where('rule_id', '=', key).where('status', '=', 'pending').executeTakeFirst();
          if (Number(promoted.numUpdatedRows) === 0) await trx.insertInto('alerts').values({ rule_id: key, ...fields }).execute();
          break;
        }
        case 'resolved':
          await trx.updateTable('alerts').set({ status: 'resolved', resolved_at: now }).where('rule_id', '=', key).where('status', '=', 'firing').execute();
          break;
      }
    }
    await trimAlertHistory(trx, alertHistoryLimit);
  });
}

/** Deletes resolved alerts beyond the newest `keep` rows of history (firing ones are never trimmed). */
export async function trimAlertHistory(db: Db, keep = alertHistoryLimit): Promise<void> {
  await sql`
    DELETE FROM alerts
    WHERE status = 'resolved'
      AND id NOT IN (
        SELECT id FROM alerts WHERE status IN ('firing', 'resolved') ORDER BY started_at DESC, id DESC LIMIT ${keep}
      )
  `.execute(db);
}

/** Records a delivered notification of a firing alert. */
export async function markAlertNotified(db: Db, key: string, at: Date): Promise<void> {
  await db.updateTable('alerts').set({ notified_at: at }).where('rule_id', '=', key).where('status', '=', 'firing').execute();
}

function toAlertView(row: {
  id: string;
  rule_id: string;
  severity: string;
  status: string;
  value: number | null;
  message: string;
  started_at: Date | string;
  resolved_at: Date | string | null;
  notified_at: Date | string | null;
  metric: string | null;
  threshold: number | null;
  operator: string | null;
}) {
  const { ruleId, labels } = parseAlertKey(row.rule_id);
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: String(row.id),
    key: row.rule_id,
    rule: ruleId,
    labels,
    severity: row.severity,
    status: row.status,
    metric: row.metric,
    value: row.value,
    threshold: row.threshold,
    operator: row.operator,
    message: row.message,
    /** When the alert fired (the runbook's name for it); the same instant as startedAt. */
    occurredAt: iso(row.started_at)!,
    startedAt: iso(row.started_at)!,
    resolvedAt: iso(row.resolved_at),
    notifiedAt: iso(row.notified_at),
  };
}
export type AlertView = ReturnType<typeof toAlertView>;

/** Alerts firing now, newest first (`GET /api/alerts/active`). */
export async function listFiringAlerts(db: Db): Promise<AlertView[]> {
  const rows = await db.selectFrom('alerts').selectAll().where('status', '=', 'firing').orderBy('started_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toAlertView);
}

/** The last `limit` alerts, firing or resolved, newest first (`GET /api/alerts/history`). */
export async function listAlertHistory(db: Db, limit = alertHistoryLimit): Promise<AlertView[]> {
  const rows = await db
    .selectFrom('alerts')
    .selectAll()
    .where('status', 'in', ['firing', 'resolved'])
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(limit, alertHistoryLimit))
    .execute();
  return rows.map(toAlertView);
}
