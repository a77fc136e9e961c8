import { type Kysely, sql } from 'kysely';

/**
 * The feedback loop's outbox. Applying a session's answers and recording what to tell other actors
 * (decision traces) happen in one transaction; the traces are sent after commit. A retried job
 * finds its row here and re-sends the same traces (idempotent by decision id) instead of losing
 * them, and answers with the stored result instead of applying anything twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE feedback_applications (
      job_key    text PRIMARY KEY,                       -- the results job's deterministic id
      session_id text NOT NULL,
      user_id    text NOT NULL,
      result     jsonb NOT NULL,
      traces     jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX feedback_applications_user_idx ON feedback_applications (user_id);
    CREATE INDEX feedback_applications_created_idx ON feedback_applications (created_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS feedback_applications`.execute(db);
}
