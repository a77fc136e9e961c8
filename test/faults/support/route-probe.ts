import { createIngress } from '../../../dashboard/create-ingress.js';
import { JobWaiter } from '../../../dashboard/job-waiter.js';
import { KeyRing } from '../../../dashboard/middleware/api-key-auth.js';
import { type RouteEntry, listRoutes } from '../../../dashboard/route-table.js';
import { createLogger } from '../../../observability/logger.js';
import type { TestSystem } from '../../support/test-system.js';

/** Routes anyone may call (README "HTTP API"): probes, scrapes and the API description. */
export const publicRoutes = new Set(['GET /healthz', 'GET /readyz', 'GET /health', 'GET /ready', 'GET /metrics', 'GET /openapi.json']);

/**
 * The running system's route table: an ingress app built from the same route modules and the same
 * services, read from its router stack (dashboard/route-table.ts).
 */
export async function routeTableOf(system: TestSystem): Promise<RouteEntry[]> {
  const waiter = new JobWaiter(system.services.redis, system.config.QUEUE_PREFIX, (q) => system.services.producer.queue(q));
  const { app } = createIngress({
    config: system.config,
    db: system.services.db,
    producer: system.services.producer,
    redis: system.services.redis,
    waiter,
    keys: new KeyRing(system.config.API_KEYS ?? []),
    logger: createLogger('silent'),
    isShuttingDown: () => false,
    now: () => new Date(),
    cache: system.services.cache,
  });
  const routes = listRoutes(app);
  await waiter.close();
  return routes;
}

/** A concrete URL for a route pattern: every parameter gets a harmless, valid-looking value. */
export function concretePath(pattern: string): string {
  return pattern
    .replace(/[{}]/g, '')
    .replace(/\*\w*/g, 'x')
    .replace(/:(\w+)/g, (_, name: string) => (/^queue(name)?$/i.test(name) ? 'question-validation' : name === 'jobId' ? 'job-1' : 'probe-1'));
}
