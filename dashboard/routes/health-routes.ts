import type { Router } from 'express';
import { sql } from 'kysely';
import { checkRedisReady } from '../../pipelines/redis-connection.js';
import type { IngressContext } from '../ingress-context.js';

async function check(probe: () => Promise<unknown>, timeoutMs = 2_000): Promise<'ok' | string> {
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Liveness says the process runs; readiness says it can do work: Redis answers (on a cluster, every
 * master reports cluster_state:ok) and Postgres answers.
 * `/health` and `/ready` are the same probes under the paths the seeds' Kubernetes manifests use;
 * `/health` also carries the server's time so a probe log shows which answer is which.
 */
export function healthRoutes(ctx: IngressContext, router: Router): void {
  router.get(['/healthz', '/health'], (_req, res) => {
    res.json({ status: 'ok', timestamp: ctx.now().toISOString() });
  });
  router.get(['/readyz', '/ready'], async (_req, res) => {
    if (ctx.isShuttingDown()) {
      res.status(503).json({ status: 'shutting_down' });
      return;
    }
    const [redis, postgres] = await Promise.all([
      check(() => checkRedisReady(ctx.redis)),
      check(() => sql`SELECT 1`.execute(ctx.db)),
    ]);
    const ready = redis === 'ok' && postgres === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: { redis, postgres } });
  });
}
