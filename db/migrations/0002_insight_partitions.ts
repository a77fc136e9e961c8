import { type Kysely, sql } from 'kysely';

/**
 * Monthly partitions for decision_insights, and the indexes the insight reads and the daily
 * analytics roll-up need.
 *
 * `decision_insights_ensure_partition(day)` creates the partition of the (UTC) month holding `day`
 * unless it exists; it is called ahead of time by `ensureDecisionInsightPartitions`
 * (db/queries/decision-insight-partitions.ts). DANGER, handled here: `CREATE TABLE … PARTITION OF`
 * fails while rows of that month sit in the DEFAULT partition (traces written before their month
 * was prepared). So the function builds the partition as a plain table, moves those rows into it
 * and only then attaches it — all in the caller's transaction, with writers to decision_insights
 * held off by a SHARE ROW EXCLUSIVE lock (which also serialises two processes preparing the same
 * month). The lock is taken only when the partition is missing: the common call is a catalogue look-up.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION decision_insights_ensure_partition(month_of date) RETURNS boolean
    LANGUAGE plpgsql AS $fn$
    DECLARE
      month_start timestamp := date_trunc('month', month_of::timestamp);
      lo timestamptz := month_start AT TIME ZONE 'UTC';
      hi timestamptz := (month_start + interval '1 month') AT TIME ZONE 'UTC';
      part text := 'decision_insights_p' || to_char(month_start, 'YYYY_MM');
    BEGIN
      IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
      END IF;
      LOCK TABLE decision_insights IN SHARE ROW EXCLUSIVE MODE;
      IF to_regclass(part) IS NOT NULL THEN
        RETURN false; -- another process made it while we waited for the lock
      END IF;
      EXECUTE format('CREATE TABLE %I (LIKE decision_insights INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
      EXECUTE format(
        'WITH moved AS (DELETE FROM decision_insights_default WHERE created_at >= $1 AND created_at < $2 RETURNING *)
         INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
      -- ATTACH builds the partitioned indexes (primary key included) on the new table.
      EXECUTE format('ALTER TABLE decision_insights ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      RETURN true;
    END
    $fn$;

    -- Per-session reads, newest first, in index order (replaces the plain session_id index).
    CREATE INDEX decision_insights_session_time_idx ON decision_insights (session_id, created_at DESC, decision_id DESC);
    DROP INDEX decision_insights_session_idx;

    -- Daily roll-up scans one day of each source table.
    CREATE INDEX analytics_events_kind_occurred_idx ON analytics_events (kind, occurred_at);
    CREATE INDEX analytics_events_archive_kind_occurred_idx ON analytics_events_archive (kind, occurred_at);
    CREATE INDEX attempts_answered_idx ON attempts (answered_at);
    CREATE INDEX sessions_completed_idx ON sessions (completed_at);
    CREATE INDEX question_validations_created_idx ON question_validations (created_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS question_validations_created_idx, sessions_completed_idx, attempts_answered_idx,
      analytics_events_archive_kind_occurred_idx, analytics_events_kind_occurred_idx, decision_insights_session_time_idx;
    CREATE INDEX IF NOT EXISTS decision_insights_session_idx ON decision_insights (session_id);
    DROP FUNCTION IF EXISTS decision_insights_ensure_partition(date);
  `.execute(db);
}
