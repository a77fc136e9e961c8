import type { Router } from 'express';
import { z } from 'zod';
import { type QueueName, queueNames } from '../../pipelines/registry.js';
import { listDeadLetters, replayDeadLetters } from '../../pipelines/dead-letters.js';
import { parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

const queueParams = z.object({ queue: z.enum(queueNames as [QueueName, ...QueueName[]]) });
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1_000).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
const replayQuery = z.object({ limit: z.coerce.number().int().min(1).max(100_000).optional() });

/**
 * The dead-letter queue, per queue: jobs that failed all their attempts (or failed for good) stay in
 * BullMQ's failed set. Operators list them and replay them; every replay is audited by the audit
 * middleware like any operator mutation.
 */
export function deadLetterRoutes(ctx: IngressContext, router: Router): void {
  const operator = requireScope(ctx.keys, 'operator');

  router.get('/api/admin/queues/:queue/failed', operator, async (req, res) => {
    const { queue } = parseOr400(queueParams, req.params, 'path');
    const { limit, offset } = parseOr400(listQuery, req.query, 'query string');
    res.json(await listDeadLetters(ctx.producer.queue(queue), { limit, offset }));
  });

  router.post('/api/admin/queues/:queue/replay-failed', operator, async (req, res) => {
    const { queue } = parseOr400(queueParams, req.params, 'path');
    const { limit } = parseOr400(replayQuery, req.query, 'query string');
    const replayed = await replayDeadLetters(ctx.producer.queue(queue), { limit });
    ctx.logger.info({ queue, replayed, keyId: req.caller?.keyId }, 'dead-lettered jobs replayed');
    res.json({ replayed });
  });

}
