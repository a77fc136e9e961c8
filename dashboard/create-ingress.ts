import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { ClusterRequestStats } from '../observability/cluster-request-stats.js';
import { sendError } from './http-error.js';
import type { IngressContext } from './ingress-context.js';
import { auditOperatorActions, routePattern } from './middleware/audit-operator-actions.js';
import { errorHandler } from './middleware/error-handler.js';
import { httpMetrics } from './middleware/http-metrics.js';
import { type BodyRule, parseBodies } from './middleware/parse-bodies.js';
import { createRateLimiter } from './middleware/rate-limit.js';
import { bullBoardPath } from './routes/bull-board-routes.js';
import { routeModules } from './routes/index.js';

/** Default JSON body limit; routes that take more, or other media types, are listed in bodyRules. */
export const jsonBodyLimit = '256kb';

/** Routes whose bodies differ from the default (JSON ≤ jsonBodyLimit). */
export const bodyRules: readonly BodyRule[] = [
  // Up to 10 000 questions as JSON, or as CSV (arrives as a string in req.body).
  { path: '/api/questions/import', limit: '25mb', types: ['application/json', '+json', 'text/csv'] },
];

/**
 * The path as logged when a request starts: its first two segments only (`/api/users/…`), since
 * ids in paths may be personal data (a user id can be an e-mail address). The matched route's
 * pattern is added when the request completes.
 */
function loggedPath(url: string): string {
  const segments = url.split('?')[0]!.split('/');
  return `${segments.slice(0, 3).join('/').slice(0, 64)}${segments.length > 3 ? '/…' : ''}`;
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

export interface Ingress {
  app: Express;
  /** Resolves once the operator audit entries of answered requests are written. */
  auditWritten: () => Promise<void>;
  /** Writes the buffered cluster-wide request counts (call before Redis closes). */
  close: () => Promise<void>;
}

/** The Express app of the ingress: middleware in a fixed order, then the route modules. */
export function createIngress(ingressCtx: IngressContext): Ingress {
  const requestStats = ingressCtx.requestStats ?? new ClusterRequestStats(ingressCtx.redis, ingressCtx.config.QUEUE_PREFIX);
  const ctx: IngressContext = { ...ingressCtx, requestStats };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  app.use(httpMetrics(requestStats));
  app.use(
    pinoHttp({
      logger: ctx.logger,
      // Every line of a request carries `requestId`: req.log is a child bound to it, and the
      // completion line has it too (the same key the error handler logs).
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/health' || req.url === '/metrics' },
      // Called at the start (no route matched yet: nothing) and at completion (the route pattern).
      customProps: (req) => {
        const route = routePattern(req as Request);
        return route === undefined ? {} : { route };
      },
      serializers: {
        // Only method and route pattern: paths, query strings and bodies may carry learner data.
        req: (req) => ({ id: req.id, method: req.method, url: loggedPath(String(req.url)) }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  // Bull Board's UI needs inline scripts; everything else gets helmet's strict defaults.
  const apiHelmet = helmet();
  const boardHelmet = helmet({ contentSecurityPolicy: false });
  app.use((req, res, next) => (req.path.startsWith(bullBoardPath) ? boardHelmet : apiHelmet)(req, res, next));

  // CORS is off unless origins are configured: browsers then may call the API from those only.
  const corsOrigins = (ctx.config.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  if (corsOrigins.length > 0) app.use(cors({ origin: corsOrigins, maxAge: 600 }));

  app.use(
    createRateLimiter({
      redis: ctx.redis,
      keys: ctx.keys,
      perMinute: ctx.config.RATE_LIMIT_PER_MINUTE,
      prefix: ctx.config.QUEUE_PREFIX,
      logger: ctx.logger,
    }),
  );
  app.use(parseBodies({ defaultLimit: jsonBodyLimit, rules: bodyRules }));
  const audit = auditOperatorActions(ctx.db, ctx.logger);
  app.use(audit);

  for (const routes of routeModules) app.use(routes(ctx));

  app.use((req: Request, res: Response, _next: NextFunction) =>
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`),
  );
  app.use(errorHandler(ctx.logger));
  return { app, auditWritten: audit.written, close: () => requestStats.close() };
}
