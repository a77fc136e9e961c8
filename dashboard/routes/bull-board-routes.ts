import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/dist/queueAdapters/bullMQ.js';
import { ExpressAdapter } from '@bull-board/express';
import { Router } from 'express';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

export const bullBoardPath = '/admin/queues';

/** Bull Board for every queue, operators only (Bearer, or Basic with the key as the password). */
export function bullBoardRoutes(ctx: IngressContext): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(bullBoardPath);
  createBullBoard({
    queues: ctx.producer.allQueues().map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'learnloop' } },
  });
  const router = Router();
  router.use(bullBoardPath, requireScope(ctx.keys, 'operator', { allowBasic: true }), serverAdapter.getRouter());
  return router;
}
