import { type Kysely, sql } from 'kysely';

/**
 * Indexes no query reads, dropped because every write pays for them (issue 15: measured with
 * `npm run bench -- --pg-stats`, bench/README.md). Each one is an index entry per row inserted,
 * and for questions one per rating update too: the feedback loop's rating updates can never be
 * HOT (the rating is in questions_category_rating_idx and questions_rating_idx), so each rewrites
 * an entry in every index of questions, ten per session.
 *
 * - questions_category_idx (category_id): a prefix of questions_category_rating_idx
 *   (category_id, COALESCE(rating, 0), id), which serves every `category_id = $1` lookup.
 * - question_validations_hash_idx (content_hash, model_version): every lookup by content hash
 *   also names the question (findStoredValidations, the analytics roll-up's fallback), which the
 *   unique (question_id, model_version, content_hash) index serves.
 * - attempts_question_idx (question_id): attempts are read by learner (attempts_user_idx, also
 *   the GDPR export and erasure), by session (the unique (session_id, question_id)) and by time
 *   (attempts_answered_idx); never by question alone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS questions_category_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS question_validations_hash_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS attempts_question_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS questions_category_idx ON questions (category_id)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS question_validations_hash_idx ON question_validations (content_hash, model_version)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS attempts_question_idx ON attempts (question_id)`.execute(db);
}
