import { type NextFunction, type Request, type Response, type Router } from 'express';
import { idSchema } from '../../core/contracts/identifiers.js';
import { isLearnerErased } from '../../db/queries/learner-erasure.js';
import { HttpError } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

/** Endpoints that act for a learner named in the JSON body (`userId`). */
const bodyUserPaths = ['/api/sessions/generate', '/api/sessions/:sessionId/results', '/api/learning-plans'];

/**
 * GDPR erasure at the door: once a learner is erased (learners.deleted_at set, synchronously by
 * DELETE /api/users/:userId), every endpoint under /api/users/:userId answers 404 for them, and so
 * do the endpoints that would make new data about them — whatever the route modules behind do,
 * and whatever their caches still hold. Mounted before every API route module (routes/index.ts).
 * Routes still filter their own reads (db/queries/learner-erasure.ts): this guard cannot see a
 * learner behind an id such as a decision id.
 */
export function learnerErasureGuard(ctx: IngressContext, router: Router): void {
  const producer = requireScope(ctx.keys, 'producer');

  const refuseErased = async (userId: unknown, next: NextFunction) => {
    const parsed = idSchema.safeParse(userId);
    // An invalid id is the route's to reject with its own 400.
    if (parsed.success && (await isLearnerErased(ctx.db, parsed.data))) {
      throw new HttpError(404, 'not_found', `learner ${parsed.data} has been erased`);
    }
    next();
  };

  router.use('/api/users/:userId', producer, async (req: Request, _res: Response, next: NextFunction) => {
    // Erasing again is allowed (it is idempotent and answers with the same job).
    if (req.method === 'DELETE' && (req.path === '/' || req.path === '')) return next();
    await refuseErased(req.params.userId, next);
  });

  router.post(bodyUserPaths, producer, async (req: Request, _res: Response, next: NextFunction) => {
    const body = req.body as { userId?: unknown } | undefined;
    if (body && typeof body === 'object' && 'userId' in body) return refuseErased(body.userId, next);
    next();
  });

}
