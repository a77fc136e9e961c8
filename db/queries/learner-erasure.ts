import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.js';

/**
 * GDPR erasure, the read-path convention: a learner is erased when `learners.deleted_at IS NOT
 * NULL`. From that instant every read path and every producer treats the learner as unknown (the
 * ingress guard in dashboard/routes/learner-erasure-guard.ts answers 404 for them; queries that
 * list a learner's data filter with `isLearnerErased` or `learnerNotErased`), and 30 days later the
 * retention sweep hard-deletes every row they left (db/retention/purge-erased-learners.ts).
 *
 * Code that upserts a learners row (feedback loop, profile) must not revive an erased learner:
 * `ON CONFLICT (user_id) DO UPDATE … WHERE learners.deleted_at IS NULL`.
 */

/** True once the learner has been erased (soft-deleted); false for active or unknown learners. */
export async function isLearnerErased(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('learners')
    .select('user_id')
    .where('user_id', '=', userId)
    .where('deleted_at', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** True when any of these learners has been erased (one indexed look-up for a whole batch). */
export async function anyLearnerErased(db: Db, userIds: readonly string[]): Promise<boolean> {
  if (userIds.length === 0) return false;
  const row = await db
    .selectFrom('learners')
    .select('user_id')
    .where('user_id', '=', sql<string>`ANY(${[...userIds]}::text[])`)
    .where('deleted_at', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * A WHERE fragment for queries over other tables: true unless the row's learner is erased.
 * `learnerNotErased('decision_insights.user_id')`; a NULL user id passes.
 */
export function learnerNotErased(userIdColumn: string): RawBuilder<boolean> {
  return sql<boolean>`NOT EXISTS (SELECT 1 FROM learners erased WHERE erased.user_id = ${sql.ref(userIdColumn)} AND erased.deleted_at IS NOT NULL)`;
}

/**
 * Soft-deletes and anonymises a learner in one statement: marks `deleted_at` (the first erasure
 * time is kept, so repeating the request changes nothing) and wipes the learner model. A learner
 * with no row yet gets a tombstone row, so the erasure holds against data that arrives later and
 * the sweep still finds them. Returns the erasure instant.
 */
export async function eraseLearner(db: Db, userId: string, at: Date): Promise<Date> {
  const row = await db
    .insertInto('learners')
    .values({ user_id: userId, state: '{}', deleted_at: at })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({
        state: '{}',
        skill: 0,
        level: 1,
        comeback_mode: false,
        updated_at: at,
        deleted_at: sql`COALESCE(learners.deleted_at, excluded.deleted_at)`,
      }),
    )
    .returning('deleted_at')
    .executeTakeFirstOrThrow();
  return row.deleted_at!;
}

/** Learners erased before `cutoff`, oldest erasure first. */
export async function listLearnersErasedBefore(db: Db, cutoff: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('learners')
    .select('user_id')
    .where('deleted_at', '<', cutoff)
    .orderBy('deleted_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.user_id);
}
