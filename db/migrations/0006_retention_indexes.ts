import { type Kysely, sql } from 'kysely';

/**
 * The retention sweep looks up erased learners (deleted_at set) on every run; a partial index keeps
 * that a look-up of the few erased rows instead of a scan of every learner.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX learners_erased_idx ON learners (deleted_at) WHERE deleted_at IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS learners_erased_idx`.execute(db);
}
