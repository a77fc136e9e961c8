import { type Kysely, sql } from 'kysely';

/**
 * Alert rules as data (issue 16): operators edit them at run time through /api/alerts/rules.
 * - `alert_rules`: one row per rule, the rule itself as JSON (core/alerts/alert-rule.ts). Built-in
 *   rules are inserted at start-up if missing; `deleted_at` marks one an operator deleted, so the
 *   next start does not bring it back.
 * - `alerts` gains the rule's metric, threshold and operator as they were when the alert fired, so
 *   a firing item reads whole even after the rule is edited.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE alert_rules (
      id          text PRIMARY KEY,
      rule        jsonb NOT NULL,
      builtin     boolean NOT NULL DEFAULT false,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now(),
      deleted_at  timestamptz
    );
    ALTER TABLE alerts ADD COLUMN metric text, ADD COLUMN threshold double precision, ADD COLUMN operator text;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS alert_rules;
    ALTER TABLE alerts DROP COLUMN IF EXISTS metric, DROP COLUMN IF EXISTS threshold, DROP COLUMN IF EXISTS operator;
  `.execute(db);
}
