import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { sendError } from './http-error.js';
import type { IngressContext } from './ingress-context.js';
import { errorHandler } from './middleware/error-handler.js';
import { bullBoardPath } from './routes/bull-board-routes.js';
import { routeModules } from './routes/index.js';

/** Default JSON body limit; routes that take more (bulk import) mount their own parser first. */
export const jsonBodyLimit = '256kb';

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

/** The Express app of the ingress: middleware in a fixed order, then the route modules. */
export function createIngress(ctx: IngressContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      serializers: {
        // Only method and path: query strings and bodies may carry learner data.
        req: (req) => ({ id: req.id, method: req.method, url: String(req.url).split('?')[0] }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  // Bull Board's UI needs inline scripts; everything else gets helmet's strict defaults.
  const apiHelmet = helmet();
  const boardHelmet = helmet({ contentSecurityPolicy: false });
  app.use((req, res, next) => (req.path.startsWith(bullBoardPath) ? boardHelmet : apiHelmet)(req, res, next));

  app.use(express.json({ limit: jsonBodyLimit, strict: true }));

  for (const routes of routeModules) app.use(routes(ctx));

  app.use((req: Request, res: Response, _next: NextFunction) =>
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`),
  );
  app.use(errorHandler(ctx.logger));
  return app;
}
