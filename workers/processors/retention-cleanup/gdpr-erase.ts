import { purgeDueAt } from '../../../core/retention/retention-policies.js';
import { DecisionInsightCache, evictLearnerInsights } from '../../../db/cache/decision-insight-cache.js';
import { recordAudit } from '../../../db/queries/audit-log.js';
import { eraseLearner } from '../../../db/queries/learner-erasure.js';
import { deleteLearnerExports } from '../../../db/queries/learner-exports.js';
import { defineProcessor } from '../../runtime/processor.js';

/**
 * retention-cleanup/gdpr-erase: soft-deletes and anonymises the learner (idempotent: the ingress
 * already did it synchronously, so the learner vanished from every read path before this job ran;
 * a job sent straight to the queue does it here) and deletes their export bundles. Every other
 * row they left is hard-deleted by the retention sweep once the grace period is over.
 */
export const gdprEraseProcessor = defineProcessor('retention-cleanup', 'gdpr-erase', async ({ userId, requestedBy }, ctx) => {
  const erasedAt = await eraseLearner(ctx.db, userId, ctx.services.now());
  // Cache hits never touch Postgres: drop the learner's cached traces so none is served again.
  await evictLearnerInsights(ctx.db, new DecisionInsightCache(ctx.services.redis, ctx.services.config.QUEUE_PREFIX), userId);
  await ctx.services.cache.invalidate('profile', [userId]);
  await deleteLearnerExports(ctx.db, userId);
  // The purge happens at the first sweep once deleted_at is older than the grace period.
  const hardDeleteAfter = purgeDueAt(erasedAt);
  await recordAudit(ctx.db, {
    actor: requestedBy ?? 'system',
    action: 'gdpr.erase.completed',
    target: userId,
    details: { erasedAt: erasedAt.toISOString(), hardDeleteAfter: hardDeleteAfter.toISOString() },
    at: ctx.services.now(),
  });
  return { userId, erasedAt: erasedAt.toISOString(), hardDeleteAfter: hardDeleteAfter.toISOString() };
});
