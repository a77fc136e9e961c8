import { purgeDueAt } from '../../../core/retention/retention-policies.js';
import { DecisionInsightCache, evictLearnerInsights } from '../../../db/cache/decision-insight-cache.js';
import { recordAudit } from '../../../db/queries/audit-log.js';
import { eraseLearner } from '../../../db/queries/learner-erasure.js';
import { deleteLearnerExports } from '../../../db/queries/learner-exports.js';
import { sessionIdsOf } from '../../../db/queries/sessions.js';
import { anonymiseErasedLearner } from '../../../db/queries/pseudonyms.js';
import { eraseLearnerFromQueues } from '../../../pipelines/erase-learner-records.js';
import { defineProcessor } from '../../runtime/processor.js';

/**
 * retention-cleanup/gdpr-erase: soft-deletes and anonymises the learner (idempotent: the ingress
 * already did it synchronously, so the learner vanished from every read path before this job ran;
 * a job sent straight to the queue does it here), deletes their export bundles, anonymises their
 * sessions, removes their analytics, pseudonymises the audit log and removes what names them in
 * Redis. Every other row they left is hard-deleted by the retention sweep after the grace period.
 */
export const gdprEraseProcessor = defineProcessor('retention-cleanup', 'gdpr-erase', async ({ userId, requestedBy }, ctx) => {
  const erasedAt = await eraseLearner(ctx.db, userId, ctx.services.now());
  // Cache hits never touch Postgres: drop the learner's cached traces so none is served again.
  await evictLearnerInsights(ctx.db, new DecisionInsightCache(ctx.services.redis, ctx.services.config.QUEUE_PREFIX), userId);
  await deleteLearnerExports(ctx.db, userId);
  // Their sessions leave the read cache before anonymising hides which ones were theirs.
  const sessionIds = await sessionIdsOf(ctx.db, userId);
  // Sessions anonymised, analytics removed, audit log pseudonymised: at once, not after 30 days.
  await anonymiseErasedLearner(ctx.db, userId);
  await ctx.services.cache.forget('session', sessionIds);
  await ctx.services.cache.forget('profile', [userId]);
  // Job records and event entries that name them (results with skill and level, sessions, plans,
  // traces, exports). This job's own record stays until the hard delete, like the learners tombstone.
  const ownJob = ctx.job.id;
  await eraseLearnerFromQueues(ctx.producer.allQueues(), ctx.services.redis, userId, {
    keep: (queue, jobId) => queue === 'retention-cleanup' && jobId === ownJob,
  });
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
