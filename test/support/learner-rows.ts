import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { learnerOwnedTables } from '../../db/queries/learner-tables.js';

/**
 * One learner with a row in every table that holds learner data, all stamped `at` (so a test can
 * keep them inside or outside the other retention windows as it needs).
 */
export async function seedLearner(db: Db, userId: string, options: { at: Date; deletedAt?: Date | null }): Promise<void> {
  const { at } = options;
  await db
    .insertInto('learners')
    .values({ user_id: userId, state: JSON.stringify({ elo: 1.5, note: `state of ${userId}` }), skill: 1.5, level: 3, deleted_at: options.deletedAt ?? null })
    .execute();
  await db
    .insertInto('review_states')
    .values({ user_id: userId, question_id: 'q-1', algorithm: 'fsrs', state: '{"stability":2.5}', due_at: at, last_reviewed_at: at })
    .execute();
  await db
    .insertInto('sessions')
    .values({ id: `${userId}-s1`, user_id: userId, size: 2, questions: '[{"questionId":"q-1"}]', created_at: at })
    .execute();
  await db
    .insertInto('attempts')
    .values([
      { session_id: `${userId}-s1`, user_id: userId, question_id: 'q-1', correct: true, response_ms: 1200, answered_at: at, created_at: at },
      { session_id: `${userId}-s1`, user_id: userId, question_id: 'q-2', correct: false, response_ms: null, answered_at: at, created_at: at },
    ])
    .execute();
  await db
    .insertInto('decision_insights')
    .values({ decision_id: `${userId}-d1`, kind: 'session-generation', user_id: userId, session_id: `${userId}-s1`, created_at: at, inputs: '{}', outputs: '{}', model_version: 'm1' })
    .execute();
  await db
    .insertInto('analytics_events')
    .values({ event_id: `${userId}-e1`, kind: 'session-completed', user_id: userId, session_id: `${userId}-s1`, payload: '{"accuracy":0.5}', occurred_at: at })
    .execute();
  await db
    .insertInto('analytics_events_archive')
    .values({ event_id: `${userId}-e0`, kind: 'session-completed', user_id: userId, session_id: null, payload: '{}', occurred_at: at })
    .execute();
  await db
    .insertInto('learning_plans')
    .values({ id: `${userId}-p1`, user_id: userId, current_level: 2, target_level: 4, days: 30, milestones: '[]', created_at: at })
    .execute();
}

/** The learner's row count in every table with a user_id column. */
export async function learnerRowCounts(db: Db, userId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await learnerOwnedTables(db)) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE user_id = ${userId}`.execute(db);
    counts[table] = rows[0]!.n;
  }
  return counts;
}
