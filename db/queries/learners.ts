import { sql } from 'kysely';
import { type LearnerState, createLearnerState } from '../../core/learner/learner-state.js';
import type { Db } from '../database.js';

/**
 * The learner model's storage: the whole engine state as jsonb, with skill, level and comeback mode
 * projected into columns for queries and dashboards. Erased learners (deleted_at set) are never
 * read back or revived here (see learner-erasure.ts).
 */

export type LearnerRead = { status: 'active'; state: LearnerState } | { status: 'unknown' } | { status: 'erased' };

/** A learner row as read (also by the feedback loop's one-statement read, db/queries/feedback.ts). */
export function readLearnerRow(row: { state: unknown; deleted_at: Date | null } | undefined): LearnerRead {
  if (!row) return { status: 'unknown' };
  if (row.deleted_at) return { status: 'erased' };
  return { status: 'active', state: row.state as LearnerState };
}

export async function loadLearner(db: Db, userId: string): Promise<LearnerRead> {
  const row = await db.selectFrom('learners').select(['state', 'deleted_at']).where('user_id', '=', userId).executeTakeFirst();
  return readLearnerRow(row);
}

/** Learners' first rows (the initial model); nothing for those that exist. The feedback loop then locks them (lockLearnersAndRecordAnswers). */
export async function insertLearnersIfMissing(trx: Db, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await trx
    .insertInto('learners')
    .values(userIds.map((userId) => ({ user_id: userId, state: JSON.stringify(createLearnerState(userId)) })))
    .onConflict((oc) => oc.column('user_id').doNothing())
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
