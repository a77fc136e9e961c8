import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../database.js';

const keyName = 'learner-pseudonym-key';
const keys = new WeakMap<object, Promise<string>>();

/** The pseudonym key: made once per database (first use), shared by every process through it. */
function pseudonymKey(db: Db): Promise<string> {
  let key = keys.get(db);
  if (!key) {
    key = (async () => {
      await db.insertInto('app_secrets').values({ name: keyName, value: randomBytes(32).toString('hex') }).onConflict((oc) => oc.column('name').doNothing()).execute();
      const row = await db.selectFrom('app_secrets').select('value').where('name', '=', keyName).executeTakeFirstOrThrow();
      return row.value;
    })();
    key.catch(() => keys.delete(db));
    keys.set(db, key);
  }
  return key;
}

/**
 * An erased learner's pseudonym: a keyed hash (HMAC-SHA-256) of their id. The same learner always
 * gets the same pseudonym, so the audit log still tells which entries concern one learner, but
 * without the key (kept in the database, not in the log) the id cannot be recovered by hashing
 * guesses — ids may be e-mail addresses. Follows the id grammar.
 */
export async function learnerPseudonym(db: Db, userId: string): Promise<string> {
  return `erased-${createHmac('sha256', await pseudonymKey(db)).update(userId).digest('hex').slice(0, 24)}`;
}

/**
 * Replaces an erased learner's id in the audit log with their pseudonym: as the target, and inside
 * details (where a job id or export id may have carried it). Idempotent.
 */
export async function pseudonymiseAuditLog(db: Db, userId: string): Promise<number> {
  const pseudonym = await learnerPseudonym(db, userId);
  const result = await sql`
    UPDATE audit_log
       SET target = CASE WHEN target = ${userId} THEN ${pseudonym} ELSE target END,
           details = CASE WHEN details::text LIKE '%' || ${escapeLike(JSON.stringify(userId).slice(1, -1))} || '%'
                          THEN replace(details::text, ${JSON.stringify(userId).slice(1, -1)}, ${pseudonym})::jsonb ELSE details END
     WHERE target = ${userId} OR details::text LIKE '%' || ${escapeLike(JSON.stringify(userId).slice(1, -1))} || '%'`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Erasure's immediate part beyond the learner row (DESIGN: "sessions anonymize, analytics remove"):
 * the learner's sessions are kept for the aggregates but carry the pseudonym, their analytics
 * events (raw and archived) are deleted, and the audit log is pseudonymised.
 */
export async function anonymiseErasedLearner(db: Db, userId: string): Promise<void> {
  const pseudonym = await learnerPseudonym(db, userId);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('sessions').set({ user_id: pseudonym }).where('user_id', '=', userId).execute();
    await trx.deleteFrom('analytics_events').where('user_id', '=', userId).execute();
    await trx.deleteFrom('analytics_events_archive').where('user_id', '=', userId).execute();
  });
  await pseudonymiseAuditLog(db, userId);
}
