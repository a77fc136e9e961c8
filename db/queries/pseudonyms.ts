import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { pseudonymiseJson } from '../../core/retention/pseudonymise-json.js';
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
 * details (where a job id or export id may have carried it), string values only
 * (core/retention/pseudonymise-json.ts). Idempotent. Candidate rows are found by text, changed in
 * code and written back in one transaction: a learner has few audit entries.
 */
export async function pseudonymiseAuditLog(db: Db, userId: string): Promise<number> {
  const pseudonym = await learnerPseudonym(db, userId);
  const inText = escapeLike(JSON.stringify(userId).slice(1, -1));
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('audit_log')
      .select(['id', 'target', 'details'])
      .where((eb) => eb.or([eb('target', '=', userId), eb(sql`details::text`, 'like', `%${inText}%`)]))
      .forUpdate()
      .execute();
    let changed = 0;
    for (const row of rows) {
      const details = row.details === null ? null : pseudonymiseJson(row.details, userId, pseudonym);
      const target = row.target === userId ? pseudonym : row.target;
      if (target === row.target && JSON.stringify(details) === JSON.stringify(row.details)) continue;
      await trx.updateTable('audit_log').set({ target, details: details === null ? null : JSON.stringify(details) }).where('id', '=', row.id).execute();
      changed += 1;
    }
    return changed;
  });
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Erasure's immediate part beyond the learner row ("sessions anonymize, analytics remove": README, "Retention, GDPR and backups"):
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
