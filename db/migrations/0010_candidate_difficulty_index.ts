import { type Kysely, sql } from 'kysely';

/**
 * Session candidates are the questions rated nearest the learner's skill (db/queries/sessions.ts).
 * Ordered by the same expression the query sorts on, these indexes let it walk outwards from the
 * skill in both directions and stop after `limit` rows, so its cost does not grow with the bank.
 * One per shape of the query: within a category, and across all of them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX questions_category_rating_idx ON questions (category_id, (COALESCE(rating, 0)), id)`.execute(db);
  await sql`CREATE INDEX questions_rating_idx ON questions ((COALESCE(rating, 0)), id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS questions_category_rating_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS questions_rating_idx`.execute(db);
}
