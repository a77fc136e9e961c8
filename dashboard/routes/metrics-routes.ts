import type { Router } from 'express';
import { metricsRegistry } from '../../observability/metrics-registry.js';
import { metricsAuthorizer } from '../../observability/metrics-server.js';
import { HttpError } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';

export function metricsRoutes(ctx: IngressContext, router: Router): void {
  const authorized = metricsAuthorizer(ctx.config.METRICS_TOKEN);
  router.get('/metrics', async (req, res) => {
    if (!authorized(req.headers.authorization)) {
      throw new HttpError(401, 'unauthorized', 'metrics need the METRICS_TOKEN as a Bearer token');
    }
    res.setHeader('Content-Type', metricsRegistry.contentType);
    res.send(await metricsRegistry.metrics());
  });
}
