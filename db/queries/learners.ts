import { sql } from 'kysely';
import { type LearnerState, createLearnerState } from '../../core/learner/learner-state.js';
import { skillToLevel } from '../../core/learner/level.js';
import type { Db } from '../database.js';

/**
 * The learner model's storage: the whole engine state as jsonb, with skill, level and comeback mode
 * projected into columns for queries and dashboards. Erased learners (deleted_at set) are never
 * read back or revived here (see learner-erasure.ts).
 */

export type LearnerRead = { status: 'active'; state: LearnerState } | { status: 'unknown' } | { status: 'erased' };

function readRow(row: { state: unknown; deleted_at: Date | null } | undefined): LearnerRead {
  if (!row) return { status: 'unknown' };
  if (row.deleted_at) return { status: 'erased' };
  return { status: 'active', state: row.state as LearnerState };
}

export async function loadLearner(db: Db, userId: string): Promise<LearnerRead> {
  const row = await db.selectFrom('learners').select(['state', 'deleted_at']).where('user_id', '=', userId).executeTakeFirst();
  return readRow(row);
}

/**
 * Locks the learner's row for the rest of the transaction (creating it first if needed), so two
 * feedback jobs for one learner apply one after the other instead of overwriting each other.
 */
export async function lockLearner(trx: Db, userId: string): Promise<LearnerRead> {
  await trx
    .insertInto('learners')
    .values({ user_id: userId, state: JSON.stringify(createLearnerState(userId)) })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
  const row = await trx
    .selectFrom('learners')
    .select(['state', 'deleted_at'])
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
  return readRow(row);
}

export async function saveLearner(trx: Db, state: LearnerState, now: Date): Promise<void> {
  await trx
    .updateTable('learners')
    .set({
      state: JSON.stringify(state),
      skill: state.skill,
      level: skillToLevel(state.skill),
      comeback_mode: state.comebackMode,
      updated_at: now,
    })
    .where('user_id', '=', state.userId)
    .where('deleted_at', 'is', null)
    .execute();
}

export async function countDueReviews(db: Db, userId: string, now: Date): Promise<number> {
  const row = await db
    .selectFrom('review_states')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('user_id', '=', userId)
    .where('due_at', '<=', now)
    .where('last_reviewed_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return row.n;
}
