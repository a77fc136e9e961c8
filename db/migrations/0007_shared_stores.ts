import { type Kysely, sql } from 'kysely';

/**
 * What a later request or job needs, where every process reaches it (README, "Storage"):
 * - `learner_exports`: GDPR export bundles, downloaded by whichever ingress gets the request, gone
 *   at `expires_at`. The learner column is `learner_id`, not `user_id`, on purpose: tables with a
 *   `user_id` are exported whole, and a bundle must not carry earlier bundles.
 * - `backup_files`: the Postgres backup store (BACKUP_STORE=postgres), each file in 1 MiB chunks.
 * - `erasure_ledger`: every learner ever erased and when. Written by a trigger on `learners`, so
 *   every erase path records it in the same statement; never truncated by a restore, which
 *   re-applies it (db/backup/restore-backup.ts). `learner_id` again: the 30-day purge deletes every
 *   `user_id` row of an erased learner, and this one must outlive it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE learner_exports (
    export_id text PRIMARY KEY,
    learner_id text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    bytes integer NOT NULL,
    body bytea NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX learner_exports_learner_idx ON learner_exports (learner_id)`.execute(db);
  await sql`CREATE INDEX learner_exports_expiry_idx ON learner_exports (expires_at)`.execute(db);

  await sql`CREATE TABLE backup_files (
    backup_id text NOT NULL,
    name text NOT NULL,
    chunk integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (backup_id, name, chunk)
  )`.execute(db);

  await sql`CREATE TABLE erasure_ledger (
    learner_id text PRIMARY KEY,
    erased_at timestamptz NOT NULL
  )`.execute(db);
  await sql`INSERT INTO erasure_ledger (learner_id, erased_at) SELECT user_id, deleted_at FROM learners WHERE deleted_at IS NOT NULL`.execute(db);
  await sql`CREATE FUNCTION record_learner_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO erasure_ledger (learner_id, erased_at) VALUES (NEW.user_id, NEW.deleted_at) ON CONFLICT (learner_id) DO NOTHING;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER learners_erasure_ledger AFTER INSERT OR UPDATE OF deleted_at ON learners
    FOR EACH ROW WHEN (NEW.deleted_at IS NOT NULL) EXECUTE FUNCTION record_learner_erasure()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS learners_erasure_ledger ON learners`.execute(db);
  await sql`DROP FUNCTION IF EXISTS record_learner_erasure()`.execute(db);
  await sql`DROP TABLE IF EXISTS erasure_ledger`.execute(db);
  await sql`DROP TABLE IF EXISTS backup_files`.execute(db);
  await sql`DROP TABLE IF EXISTS learner_exports`.execute(db);
}
