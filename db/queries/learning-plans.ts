import type { Milestone } from '../../core/plans/learning-plan.js';
import type { Db } from '../database.js';

export async function getLearningPlan(db: Db, planId: string) {
  return db.selectFrom('learning_plans').selectAll().where('id', '=', planId).executeTakeFirst();
}

/** Idempotent: the plan id comes from the job id. */
export async function insertLearningPlan(
  db: Db,
  plan: { id: string; userId: string; currentLevel: number; targetLevel: number; days: number; milestones: Milestone[]; createdAt: Date },
): Promise<void> {
  await db
    .insertInto('learning_plans')
    .values({
      id: plan.id,
      user_id: plan.userId,
      current_level: plan.currentLevel,
      target_level: plan.targetLevel,
      days: plan.days,
      milestones: JSON.stringify(plan.milestones),
      created_at: plan.createdAt,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
