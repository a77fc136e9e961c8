import { timingSafeEqual, createHash } from 'node:crypto';
import { Router } from 'express';
import { metricsRegistry } from '../../observability/metrics-registry.js';
import { HttpError } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';

export function metricsRoutes(ctx: IngressContext): Router {
  const router = Router();
  const token = ctx.config.METRICS_TOKEN;
  const expected = token ? createHash('sha256').update(token).digest() : undefined;
  router.get('/metrics', async (req, res) => {
    if (expected) {
      const presented = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      if (!timingSafeEqual(createHash('sha256').update(presented).digest(), expected)) {
        throw new HttpError(401, 'unauthorized', 'metrics need the METRICS_TOKEN as a Bearer token');
      }
    }
    res.setHeader('Content-Type', metricsRegistry.contentType);
    res.send(await metricsRegistry.metrics());
  });
  return router;
}
