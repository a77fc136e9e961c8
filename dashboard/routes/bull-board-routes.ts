import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/dist/queueAdapters/bullMQ.js';
import { ExpressAdapter } from '@bull-board/express';
import { type NextFunction, type Request, type Response, type Router } from 'express';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

export const bullBoardPath = '/admin/queues';

/**
 * Bull Board's API answers its own errors as `{error, message}` or plain text; these are rewritten
 * into the uniform error body, so every 4xx of the ingress reads the same. Its successes pass as-is.
 */
function uniformErrors(_req: Request, res: Response, next: NextFunction): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    if (res.statusCode < 400) return json(body);
    const b = (body ?? {}) as { error?: unknown; message?: unknown; details?: unknown };
    if (b.error && typeof b.error === 'object' && 'code' in (b.error as object)) return json(body);
    const message = [b.error, b.message].find((m): m is string => typeof m === 'string') ?? 'request refused';
    return json({ error: { code: res.statusCode === 404 ? 'not_found' : 'bad_request', message } });
  };
  next();
}

/** Bull Board for every queue, operators only (Bearer, or Basic with the key as the password). */
export function bullBoardRoutes(ctx: IngressContext, router: Router): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(bullBoardPath);
  createBullBoard({
    queues: ctx.producer.allQueues().map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'learnloop' } },
  });
  router.use(bullBoardPath, requireScope(ctx.keys, 'operator', { allowBasic: true }), uniformErrors, serverAdapter.getRouter());
}
