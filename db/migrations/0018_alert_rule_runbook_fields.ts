import { type Kysely, sql } from 'kysely';

/**
 * Alert rules take the runbook's field names: `{id, metric, threshold, operator, duration, severity,
 * cooldown}` (issue 16). Rules stored before this migration used `comparison`, `forSeconds` and
 * `cooldownSeconds`; their JSON is rewritten in place, values unchanged (duration and cooldown stay
 * in seconds). Operator edits and tombstones survive as they are.
 */
const before = ['comparison', 'forSeconds', 'cooldownSeconds'] as const;
const after = ['operator', 'duration', 'cooldown'] as const;

/** Renames the three keys of every stored rule that still has the first of `from`. */
async function renameRuleFields(db: Kysely<unknown>, from: readonly string[], to: readonly string[]): Promise<void> {
  await sql`
    UPDATE alert_rules
       SET rule = (rule - ${from[0]}::text - ${from[1]}::text - ${from[2]}::text)
                  || jsonb_build_object(${to[0]}::text, rule->${from[0]}::text, ${to[1]}::text, rule->${from[1]}::text, ${to[2]}::text, rule->${from[2]}::text)
     WHERE rule ? ${from[0]}::text
  `.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await renameRuleFields(db, before, after);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await renameRuleFields(db, after, before);
}
