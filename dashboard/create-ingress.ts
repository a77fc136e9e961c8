import cors from 'cors';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import { ClusterRequestStats } from '../observability/cluster-request-stats.js';
import { sendError } from './http-error.js';
import type { IngressContext } from './ingress-context.js';
import { auditOperatorActions } from './middleware/audit-operator-actions.js';
import { errorHandler } from './middleware/error-handler.js';
import { httpMetrics } from './middleware/http-metrics.js';
import { requestLogging } from './middleware/request-logging.js';
import { bodyGate } from './middleware/body-gate.js';
import { type BodyRule, bodyLimitFor, parseBodies } from './middleware/parse-bodies.js';
import { inSequence } from './middleware/in-sequence.js';
import { createRateLimiter } from './middleware/rate-limit.js';
import { bullBoardPath } from './routes/bull-board-routes.js';
import { routeModules } from './routes/index.js';

/** Default JSON body limit; routes that take more, or other media types, are listed in bodyRules. */
export const jsonBodyLimit = 256 * 1024;

/** Routes whose bodies differ from the default (JSON ≤ jsonBodyLimit). */
export const bodyRules: readonly BodyRule[] = [
  // Up to 10 000 questions as JSON, or as CSV (arrives as a string in req.body).
  { path: '/api/questions/import', limit: 25 * 1024 * 1024, types: ['application/json', '+json', 'text/csv'] },
];

export interface Ingress {
  app: Express;
  /** Resolves once the operator audit entries of answered requests are written. */
  auditWritten: () => Promise<void>;
  /** Writes the buffered cluster-wide request counts (call before Redis closes). */
  close: () => Promise<void>;
}

/**
 * helmet's headers, worked out once: with these options (no nonce or other per-request directive)
 * they are the same for every request, and setting a fixed list costs a request a fraction of
 * running helmet's dozen middleware functions (bench/README.md, "Where a job's time goes").
 */
export function fixedHelmetHeaders(options?: HelmetOptions): (req: Request, res: Response, next: NextFunction) => void {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void set.push([name, String(value)]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not set its headers synchronously: they may depend on the request');
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

/** The Express app of the ingress: middleware in a fixed order, then the route modules. */
export function createIngress(ingressCtx: IngressContext): Ingress {
  const requestStats = ingressCtx.requestStats ?? new ClusterRequestStats(ingressCtx.redis, ingressCtx.config.QUEUE_PREFIX);
  const ctx: IngressContext = { ...ingressCtx, requestStats };
  const app = express();
  app.disable('x-powered-by');
  // Off unless configured: behind no proxy, X-Forwarded-For is whatever the client says it is (a
  // rotating one would dodge the per-IP limit on wrong keys).
  app.set('trust proxy', ctx.config.TRUST_PROXY ?? false);
  app.set('query parser', 'simple');

  // App-wide middleware, in this order, as one router layer (middleware/in-sequence.ts).
  const everyRequest: RequestHandler[] = [httpMetrics(requestStats), requestLogging(ctx.logger)];

  // Bull Board's UI needs inline scripts; everything else gets helmet's strict defaults.
  const apiHelmet = fixedHelmetHeaders();
  const boardHelmet = fixedHelmetHeaders({ contentSecurityPolicy: false });
  everyRequest.push((req, res, next) => (req.url.startsWith(bullBoardPath) ? boardHelmet : apiHelmet)(req, res, next));

  // CORS is off unless origins are configured: browsers then may call the API from those only.
  const corsOrigins = (ctx.config.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  if (corsOrigins.length > 0) everyRequest.push(cors({ origin: corsOrigins, maxAge: 600 }));

  const bodies = { defaultLimit: jsonBodyLimit, rules: bodyRules };
  // Size and key are checked from the headers before the rate limiter or a parser reads anything.
  everyRequest.push(bodyGate({ keys: ctx.keys, limitFor: bodyLimitFor(bodies) }));
  everyRequest.push(
    createRateLimiter({
      redis: ctx.redis,
      keys: ctx.keys,
      perMinute: ctx.config.RATE_LIMIT_PER_MINUTE,
      anonymousPerMinute: ctx.config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      prefix: ctx.config.QUEUE_PREFIX,
      logger: ctx.logger,
    }),
  );
  everyRequest.push(parseBodies(bodies));
  const audit = auditOperatorActions(ctx.db, ctx.logger);
  everyRequest.push(audit);
  app.use(inSequence(everyRequest));

  // Each module adds its routes to the app's own router, in mount order, rather than being mounted
  // as a router of its own: a request then passes one router, not one per module before its own
  // (each a dispatch with its own set-up and restore; bench/README.md, "Where a job's time goes").
  for (const routes of routeModules) routes(ctx, app.router);

  app.use((req: Request, res: Response, _next: NextFunction) =>
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`),
  );
  app.use(errorHandler(ctx.logger));
  return { app, auditWritten: audit.written, close: () => requestStats.close() };
}
