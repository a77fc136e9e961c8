import { type Kysely, sql } from 'kysely';

/**
 * Secrets the application makes for itself and every process must share, kept with the data they
 * protect (a restore brings them back with it): today the key of the audit log's learner
 * pseudonyms (db/queries/pseudonyms.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS app_secrets (name text PRIMARY KEY, value text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS app_secrets`.execute(db);
}
