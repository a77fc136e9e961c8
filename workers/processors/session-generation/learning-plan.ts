import { UnrecoverableError } from 'bullmq';
import { decisionIds, legacyDerivedId } from '../../../core/contracts/ids.js';
import { skillToLevel } from '../../../core/learner/level.js';
import { buildLearningPlan } from '../../../core/plans/learning-plan.js';
import { loadLearner } from '../../../db/queries/learners.js';
import { getLearningPlan, insertLearningPlan } from '../../../db/queries/learning-plans.js';
import { defineProcessor } from '../../runtime/processor.js';
import { sendTraces } from '../../runtime/send-trace.js';

/** session-generation/learning-plan: the seed's milestone formula, anchored to the learner's level now. */
export const learningPlanProcessor = defineProcessor('session-generation', 'learning-plan', async (payload, ctx) => {
  // From the payload (fixed at enqueue), never from BullMQ's job counter alone.
  const planId = payload.planId ?? legacyDerivedId('p', ctx.job, payload.userId);
  const stored = await getLearningPlan(ctx.db, planId);
  if (stored && stored.user_id !== payload.userId) throw new UnrecoverableError(`plan id ${planId} belongs to another learner`);
  if (stored) {
    return { planId, currentLevel: stored.current_level, targetLevel: stored.target_level, milestones: stored.milestones as any };
  }
  const learner = await loadLearner(ctx.db, payload.userId);
  if (learner.status === 'erased') throw new UnrecoverableError(`learner ${payload.userId} has been erased`);
  const currentLevel = learner.status === 'active' ? skillToLevel(learner.state.skill) : 1;
  const createdAt = ctx.job.enqueuedAt;
  const plan = buildLearningPlan({ currentLevel, targetLevel: payload.targetLevel, days: payload.days, startAt: createdAt.getTime() });
  await insertLearningPlan(ctx.db, { id: planId, userId: payload.userId, currentLevel: plan.currentLevel, targetLevel: plan.targetLevel, days: plan.days, milestones: plan.milestones, createdAt });
  await sendTraces(ctx, [
    {
      decisionId: decisionIds.plan(planId),
      kind: 'learning-plan',
      userId: payload.userId,
      createdAt: createdAt.toISOString(),
      inputs: { currentLevel, targetLevel: payload.targetLevel, days: payload.days },
      outputs: { planId, milestones: plan.milestones.length, gap: plan.gap },
      modelVersion: 'learning-plan-1 (milestone formula)',
    },
  ]);
  return { planId, currentLevel: plan.currentLevel, targetLevel: plan.targetLevel, milestones: plan.milestones };
});
