import { sql } from 'kysely';
import { type AlertRule, alertRuleSchema } from '../../core/alerts/alert-rule.js';
import type { Db } from '../database.js';

/**
 * The alert rules, as data in `alert_rules` (migration 0016). The alert evaluation reads them every
 * round, so an edit takes effect at the next evaluation on every process.
 */

const toRule = (row: { id: string; rule: unknown }): AlertRule => alertRuleSchema.parse({ ...(row.rule as object), id: row.id });
const ruleJson = (rule: AlertRule) => {
  const { id: _id, ...rest } = rule;
  return JSON.stringify(rest);
};

/**
 * Inserts the built-in rules that are not there yet. A rule already stored — edited by an operator,
 * or deleted (a tombstone) — is left as it is. Idempotent, and safe from several processes at once.
 */
export async function seedAlertRules(db: Db, rules: readonly AlertRule[]): Promise<number> {
  if (rules.length === 0) return 0;
  const result = await db
    .insertInto('alert_rules')
    .values(rules.map((r) => ({ id: r.id, rule: ruleJson(r), builtin: true })))
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/** Every rule not deleted, by id. */
export async function listAlertRules(db: Db): Promise<AlertRule[]> {
  const rows = await db.selectFrom('alert_rules').select(['id', 'rule']).where('deleted_at', 'is', null).orderBy('id').execute();
  return rows.map(toRule);
}

export async function findAlertRule(db: Db, id: string): Promise<AlertRule | undefined> {
  const row = await db.selectFrom('alert_rules').select(['id', 'rule']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return row && toRule(row);
}

/** Creates a rule; false when a live rule has that id. A deleted rule's id may be reused. */
export async function insertAlertRule(db: Db, rule: AlertRule): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO alert_rules (id, rule) VALUES (${rule.id}, ${ruleJson(rule)}::jsonb)
    ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, updated_at = now(), deleted_at = NULL
      WHERE alert_rules.deleted_at IS NOT NULL
    RETURNING id`.execute(db);
  return rows.length === 1;
}

/** Replaces a live rule; false when there is none with that id. */
export async function replaceAlertRule(db: Db, rule: AlertRule): Promise<boolean> {
  const result = await db
    .updateTable('alert_rules')
    .set({ rule: ruleJson(rule), updated_at: new Date() })
    .where('id', '=', rule.id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Deletes a live rule (a tombstone, so a built-in rule stays deleted across restarts); false when
 * there is none. Its pending alert goes at once; a firing one resolves at the next evaluation.
 */
export async function deleteAlertRule(db: Db, id: string): Promise<boolean> {
  const result = await db.updateTable('alert_rules').set({ deleted_at: new Date(), updated_at: new Date() }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
