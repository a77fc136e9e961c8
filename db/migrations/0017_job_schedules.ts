import { type Kysely, sql } from 'kysely';

/**
 * Schedules as data: the job schedules the system runs, their version and fingerprint, one row per
 * QUEUE_PREFIX. A process registers its schedules only when they are the stored ones or newer
 * (a higher SCHEDULES_VERSION); otherwise it registers the stored ones and warns, so a stale
 * process cannot put back a schedule an operator changed (pipelines/schedulers.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE job_schedules (
      queue_prefix text PRIMARY KEY,
      version      integer NOT NULL,
      hash         text NOT NULL,
      entries      jsonb NOT NULL,
      updated_at   timestamptz NOT NULL DEFAULT now(),
      updated_by   text NOT NULL
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS job_schedules`.execute(db);
}
