import { sql } from 'kysely';
import type { Db } from '../database.js';

/**
 * When the newest backup passed verification; before any has, when the schema was installed (the
 * first migration ran), so a fresh installation gets the same grace period as a verified backup
 * instead of alerting at once. Read by the "no verified backup" alert and its gauge.
 */
export async function lastVerifiedBackupOrInstallAt(db: Db): Promise<Date | undefined> {
  const verified = await db
    .selectFrom('backups')
    .select((eb) => eb.fn.max('verified_at').as('at'))
    .where('verify_status', '=', 'passed')
    .executeTakeFirst();
  if (verified?.at) return new Date(verified.at);
  // kysely's own bookkeeping table; `timestamp` is an ISO string.
  const installed = await sql<{ at: string | null }>`SELECT min("timestamp") AS at FROM kysely_migration`.execute(db);
  const at = installed.rows[0]?.at;
  return at ? new Date(at) : undefined;
}
