import type { Router } from 'express';
import { z } from 'zod';
import { findJob } from '../../pipelines/queue-status.js';
import { type QueueName, isQueueName } from '../../pipelines/registry.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

const params = z.object({
  queue: z.string().max(64).refine(isQueueName, 'is not a known queue'),
  jobId: z.string().min(1).max(256),
});

/** Queues whose jobs producers may not read: GDPR exports and erasures, backups, alert evaluation. */
export const operatorOnlyQueues: ReadonlySet<QueueName> = new Set<QueueName>(['retention-cleanup', 'backups', 'monitoring']);

export function jobRoutes(ctx: IngressContext, router: Router): void {

  router.get('/api/jobs/:queue/:jobId', requireScope(ctx.keys, 'producer'), async (req, res) => {
    const { queue, jobId } = parseOr400(params, req.params, 'path');
    if (!isQueueName(queue)) throw new HttpError(404, 'not_found', `no queue named ${queue}`);
    // Maintenance jobs carry user ids, file paths and row counts: operators only.
    if (operatorOnlyQueues.has(queue) && req.caller?.scope !== 'operator') {
      throw new HttpError(403, 'forbidden', `jobs of ${queue} need an operator key`);
    }
    const found = await findJob(ctx.producer.queue(queue), jobId);
    if (!found) throw new HttpError(404, 'not_found', `no job ${jobId} in ${queue}`);
    const { job, state } = found;
    res.json({
      id: job.id,
      queue,
      name: job.name,
      state,
      progress: job.progress,
      attemptsMade: job.attemptsMade,
      ...(state === 'completed' ? { result: job.returnvalue } : {}),
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
      timestamps: {
        created: new Date(job.timestamp).toISOString(),
        processed: job.processedOn ? new Date(job.processedOn).toISOString() : null,
        finished: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
      },
    });
  });

}
