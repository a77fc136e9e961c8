import { type Kysely, sql } from 'kysely';

/**
 * Calibrated difficulties and measured predictions (issue 13):
 * - questions.rating_info: the information the answers carried about the item's difficulty
 *   (core/learner/skill-filter.ts), so its prior can move without losing its evidence;
 * - difficulty_mappings: the learned stated-level → difficulty mapping per category ('' = none),
 *   the recalibration job's state;
 * - attempts.predicted: the predicted success of the pick when the answer came in (null for
 *   answers stored before), compared with the answers by the calibration metrics;
 * - analytics_daily.calibration: that day's log-loss, Brier, ECE, AUC and their mergeable sums.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE questions ADD COLUMN rating_info double precision NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE attempts ADD COLUMN predicted double precision`.execute(db);
  await sql`ALTER TABLE analytics_daily ADD COLUMN calibration jsonb`.execute(db);
  await sql`
    CREATE TABLE difficulty_mappings (
      category_id text PRIMARY KEY,
      scale double precision NOT NULL,
      "offset" double precision NOT NULL,
      items integer NOT NULL DEFAULT 0,
      information double precision NOT NULL DEFAULT 0,
      fitted_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS difficulty_mappings`.execute(db);
  await sql`ALTER TABLE analytics_daily DROP COLUMN IF EXISTS calibration`.execute(db);
  await sql`ALTER TABLE attempts DROP COLUMN IF EXISTS predicted`.execute(db);
  await sql`ALTER TABLE questions DROP COLUMN IF EXISTS rating_info`.execute(db);
}
