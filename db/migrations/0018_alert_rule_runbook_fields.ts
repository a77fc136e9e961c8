import { type Kysely, sql } from 'kysely';

/**
 * Alert rules take the runbook's field names: `{id, metric, threshold, operator, duration, severity,
 * cooldown}` (issue 16). Rules stored before this migration used `comparison`, `forSeconds` and
 * `cooldownSeconds`; their JSON is rewritten in place, values unchanged (duration and cooldown stay
 * in seconds). Operator edits and tombstones survive as they are.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    UPDATE alert_rules
       SET rule = (rule - 'comparison' - 'forSeconds' - 'cooldownSeconds')
                  || jsonb_build_object('operator', rule->'comparison', 'duration', rule->'forSeconds', 'cooldown', rule->'cooldownSeconds')
     WHERE rule ? 'comparison'
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    UPDATE alert_rules
       SET rule = (rule - 'operator' - 'duration' - 'cooldown')
                  || jsonb_build_object('comparison', rule->'operator', 'forSeconds', rule->'duration', 'cooldownSeconds', rule->'cooldown')
     WHERE rule ? 'operator'
  `.execute(db);
}
