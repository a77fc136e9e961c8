import { deleteExpiredLearnerExports } from '../../../db/queries/learner-exports.js';
import { sweepRetention } from '../../../db/retention/sweep-retention.js';
import {
  gdprLearnersPurged,
  retentionLastSweepTimestamp,
  retentionPartitionsDropped,
  retentionRowsArchived,
  retentionRowsDeleted,
} from '../../../observability/maintenance-metrics.js';
import { defineProcessor } from '../../runtime/processor.js';

/**
 * retention-cleanup/sweep: applies every retention policy (core/retention/retention-policies.ts)
 * as of `asOf` (default: the injected clock), in small batches, and drops expired export bundles.
 * Safe to re-run and to interrupt: it only ever removes what is expired at `asOf`.
 */
export const sweepProcessor = defineProcessor('retention-cleanup', 'sweep', async ({ asOf }, ctx) => {
  const at = asOf ? new Date(asOf) : ctx.services.now();
  const { config } = ctx.services;
  const outcome = await sweepRetention(ctx.db, { asOf: at, batchSize: config.RETENTION_BATCH_SIZE, signal: ctx.signal });
  const exportsRemoved = await deleteExpiredLearnerExports(ctx.db, at);

  // Sessions (and purged learners' profiles) deleted in bulk: their ids are not at hand, and the
  // sweep runs once a day, so the families go whole.
  if ((outcome.deleted.sessions ?? 0) > 0) await ctx.services.cache.clear('session');
  if (outcome.purgedLearners > 0) await ctx.services.cache.clear('profile');
  for (const [table, n] of Object.entries(outcome.deleted)) retentionRowsDeleted.inc({ table }, n);
  for (const [table, n] of Object.entries(outcome.archived)) retentionRowsArchived.inc({ table }, n);
  retentionPartitionsDropped.inc(outcome.droppedPartitions.length);
  gdprLearnersPurged.inc(outcome.purgedLearners);
  retentionLastSweepTimestamp.set(Date.now() / 1000);
  ctx.log.info({ asOf: at.toISOString(), ...outcome, exportsRemoved }, 'retention sweep done');
  return { asOf: at.toISOString(), ...outcome, exportsRemoved };
});
